import assert from 'node:assert/strict'
import { assertMissing, assertSameJson, eventually, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

/**
 * The expiry promise: an entry whose `expiresAt` has passed is never returned, by any read. The core
 * checks expiry too, but listings and the cap rely on the engine not handing back the dead.
 */
export function describeExpiry({ describe, test }: ConformanceRunner): void {
  describe('expiry', () => {
    test('does not return an entry whose expiresAt has passed', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() - 1_000 }))
      assertMissing(await engine.get(token))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('lets an entry lapse when its expiresAt comes', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() + 300 }))
      assert.ok(await engine.get(token), 'live before its expiresAt')
      await eventually(async () => !(await engine.get(token)))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('never returns a lapsed entry among live ones', async (engine) => {
      const [lapsing, live] = [tokenHash(), tokenHash()]
      await engine.set(lapsing, 'auth-user-1', subject({ id: 'lapsing', expiresAt: Date.now() + 200 }))
      await engine.set(live, 'auth-user-1', subject({ id: 'live' }))
      await eventually(async () => !(await engine.get(lapsing)))
      assert.deepEqual(Object.keys(await engine.getAll('auth-user-1')), [live])
    })

    test('does not revive an expired entry on update()', async (engine) => {
      if (!engine.update) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() + 200 }))
      await eventually(async () => !(await engine.get(token)))
      assert.equal(await engine.update(token, 'auth-user-1', subject()), false)
      assertMissing(await engine.get(token))
    })
  })
}
