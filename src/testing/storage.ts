import assert from 'node:assert/strict'
import type { EngineSubject } from '../engine'
import { assertHas, assertMissing, assertSameJson, keysOf, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

const HOSTILE_KEYS = [
  '*',
  '?',
  '?'.repeat(43),
  '[a-z]*',
  '\\*',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty'
]

/** The token-registry methods every engine has: get, set, getAll, delete, clear, prepare. */
export function describeStorage({ describe, test }: ConformanceRunner): void {
  describe('get()', () => {
    test('returns nothing for an unknown token', async (engine) => {
      assertMissing(await engine.get(tokenHash()))
    })

    test('returns a copy equal to what was set', async (engine) => {
      const token = tokenHash()
      const stored = subject({ deviceId: 'phone', userAgent: 'Mozilla/5.0 "quoted" ünïcödé' })
      await engine.set(token, 'auth-user-1', stored)
      const read = await engine.get(token)
      assertSameJson(read, stored)
      ;(read as EngineSubject).userId = 'mutated'
      assertSameJson(await engine.get(token), stored, 'changing a returned entry changes the stored one')
    })

    test("returns a session's data (nested JSON) as it was set and updated", async (engine) => {
      const token = tokenHash()
      const data = { orgId: 'org-1', i: 'a field named like a short one', _x: [1, { mfa: { step: 2 } }], e: null }
      await engine.set(token, 'auth-user-1', subject({ data }))
      assertSameJson((await engine.get(token))?.data, data)
      if (!engine.update) return
      await engine.update(token, 'auth-user-1', subject({ data: { orgId: 'org-2' } }))
      assertSameJson((await engine.get(token))?.data, { orgId: 'org-2' })
    })

    test('treats keys as exact strings, never patterns or object members', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      for (const hostile of [...HOSTILE_KEYS, `${token.slice(0, 10)}*`]) {
        assertMissing(await engine.get(hostile), `get(${JSON.stringify(hostile)})`)
      }
      for (const category of ['*', '__proto__', 'constructor']) {
        assert.deepEqual(keysOf(await engine.getAll(category)), [], `getAll(${JSON.stringify(category)})`)
      }
    })
  })

  describe('set()', () => {
    test('replaces an existing entry', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.1' }))
      await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.2' }))
      assertHas(await engine.get(token), { lastIp: '10.0.0.2' })
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [token])
    })

    test('keeps an entry without expiresAt', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ expiresAt: null }))
      assertHas(await engine.get(token), { expiresAt: null })
    })
  })

  describe('getAll()', () => {
    test('returns {} for an unknown category', async (engine) => {
      assertSameJson(await engine.getAll('auth-nobody'), {})
    })

    test('returns the entries of one category only, keyed by token', async (engine) => {
      const [a, b, c] = [tokenHash(), tokenHash(), tokenHash()]
      await engine.set(a, 'auth-user-1', subject({ id: 'a' }))
      await engine.set(b, 'auth-user-1', subject({ id: 'b' }))
      await engine.set(c, 'auth-user-2', subject({ id: 'c', userId: 'user-2' }))
      const all = await engine.getAll('auth-user-1')
      assert.deepEqual(keysOf(all), [a, b].sort())
      assertHas(all[a], { id: 'a' })
      assertHas(all[b], { id: 'b' })
    })
  })

  describe('delete()', () => {
    test('removes the entry from get() and getAll()', async (engine) => {
      const [a, b] = [tokenHash(), tokenHash()]
      await engine.set(a, 'auth-user-1', subject())
      await engine.set(b, 'auth-user-1', subject())
      await engine.delete(a, 'auth-user-1')
      assertMissing(await engine.get(a))
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [b])
    })

    test('works without the category (the token-registry call)', async (engine) => {
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.delete(token)
      assertMissing(await engine.get(token))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('is a no-op for an unknown token', async (engine) => {
      assert.equal(await engine.delete(tokenHash()), undefined)
    })
  })

  describe('clear()', () => {
    test('removes every entry', async (engine) => {
      const [a, b] = [tokenHash(), tokenHash()]
      await engine.set(a, 'auth-user-1', subject())
      await engine.set(b, 'auth-user-2', subject())
      await engine.clear()
      assertMissing(await engine.get(a))
      assertSameJson(await engine.getAll('auth-user-2'), {})
    })
  })

  describe('prepare()', () => {
    test('is idempotent and safe to call concurrently', async (engine) => {
      await Promise.all([engine.prepare?.(), engine.prepare?.(), engine.prepare?.()])
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      assert.ok(await engine.get(token))
    })
  })
}
