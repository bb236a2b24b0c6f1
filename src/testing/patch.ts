import assert from 'node:assert/strict'
import type { EngineSubject, SessionEngine } from '../engine'
import { assertHas, assertMissing, assertSameJson, keysOf, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

const ROUNDS = 20
const CAS_WRITERS = 8
const CAS_ATTEMPTS = 64

type Patch = NonNullable<SessionEngine['patch']>

/** Applies `change` to the entry's data as the core's `updateData()` does: read, compare-and-set on `version`, retry. */
async function casUpdate(
  engine: SessionEngine,
  patch: Patch,
  token: string,
  category: string,
  change: (data: Record<string, unknown>) => Record<string, unknown>
): Promise<boolean> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const entry = await engine.get(token)
    if (!entry) return false
    const version = typeof entry.version === 'number' ? entry.version : 0
    const data = change({ ...(entry.data as Record<string, unknown> | undefined) })
    if (await patch(token, category, { data, version: version + 1 }, version)) return true
  }
  throw new assert.AssertionError({ message: `no compare-and-set applied in ${CAS_ATTEMPTS} attempts` })
}

/**
 * The optional `patch()`: only the given fields change, atomically, never on a removed entry, with a
 * compare-and-set on `version`, and never undoing a concurrent write. An engine without it is held to
 * the core's fallback instead (weaker, see the README), so its cases have nothing to check there.
 */
export function describePatch({ describe, test }: ConformanceRunner): void {
  describe('patch()', () => {
    test('changes only the given fields, leaving every other one as stored', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      const stored = subject({ data: { plan: 'pro', mfa: true }, deviceId: 'phone' })
      await engine.set(token, 'auth-user-1', stored)
      const later = Date.now() + 5_000
      const fields = { lastAccessed: later, lastIp: '198.51.100.4', expiresAt: later + 60_000 }
      assert.equal(await engine.patch(token, 'auth-user-1', fields), true)
      assertSameJson(await engine.get(token), { ...stored, ...fields })
      assertSameJson(await engine.getAll('auth-user-1'), { [token]: { ...stored, ...fields } })
    })

    test('removes a field given as undefined', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ data: { elevated: true } }))
      assert.equal(await engine.patch(token, 'auth-user-1', { data: undefined, version: 1 }), true)
      const entry = await engine.get(token)
      assert.ok(entry && !Object.hasOwn(entry, 'data'), `data is still stored: ${JSON.stringify(entry)}`)
      assertHas(entry, { version: 1 })
    })

    test('never creates an unknown entry, nor revives a deleted one', async (engine) => {
      if (!engine.patch) return
      const [unknown, deleted] = [tokenHash(), tokenHash()]
      assert.equal(await engine.patch(unknown, 'auth-user-1', { lastIp: '10.0.0.1' }), false)
      await engine.set(deleted, 'auth-user-1', subject())
      await engine.delete(deleted, 'auth-user-1')
      assert.equal(await engine.patch(deleted, 'auth-user-1', { lastIp: '10.0.0.1' }), false)
      assert.equal(await engine.patch(deleted, 'auth-user-1', { data: { a: 1 }, version: 1 }, 0), false)
      assertMissing(await engine.get(unknown))
      assertMissing(await engine.get(deleted))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('never revives an expired entry', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() - 1_000 }))
      assert.equal(await engine.patch(token, 'auth-user-1', { expiresAt: Date.now() + 60_000 }), false)
      assertMissing(await engine.get(token))
    })

    test('ends the entry when it moves expiresAt into the past', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      assert.equal(await engine.patch(token, 'auth-user-1', { expiresAt: Date.now() - 1 }), true)
      assertMissing(await engine.get(token))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('moves lastAccessed where the cap orders by it', async (engine) => {
      if (!engine.patch || !engine.setCapped) return
      const [older, newer, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      const base = Date.now()
      await engine.set(older, 'auth-user-1', subject({ id: 'older', lastAccessed: base - 20_000 }))
      await engine.set(newer, 'auth-user-1', subject({ id: 'newer', lastAccessed: base - 10_000 }))
      assert.equal(await engine.patch(older, 'auth-user-1', { lastAccessed: base }), true)
      const removed = await engine.setCapped(fresh, 'auth-user-1', subject({ id: 'fresh', lastAccessed: base }), 2)
      assert.deepEqual(
        Array.from(removed, (entry) => entry.id),
        ['newer']
      )
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [older, fresh].sort())
    })

    test('never moves the entry to another category', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.patch(token, 'auth-user-2', { lastIp: '10.0.0.2' })
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [token])
      assertSameJson(await engine.getAll('auth-user-2'), {})
    })
  })

  describe('patch() with an expected version', () => {
    test('applies while the version matches, absent counting as 0, and refuses a stale one', async (engine) => {
      if (!engine.patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ data: { step: 0 } }))
      assert.equal(await engine.patch(token, 'auth-user-1', { data: { step: 1 }, version: 1 }, 1), false)
      assert.equal(await engine.patch(token, 'auth-user-1', { data: { step: 1 }, version: 1 }, 0), true)
      assert.equal(await engine.patch(token, 'auth-user-1', { data: { step: 9 }, version: 1 }, 0), false)
      assertHas(await engine.get(token), { data: { step: 1 }, version: 1 })
    })

    test('a compare-and-set loop of concurrent writers loses no write', async (engine) => {
      const patch = engine.patch?.bind(engine)
      if (!patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      const writers = Array.from({ length: CAS_WRITERS }, (_, writer) => `w${writer}`)
      const touches = Array.from({ length: ROUNDS }, (_, n) =>
        patch(token, 'auth-user-1', { lastAccessed: Date.now() + n, lastIp: `10.0.1.${n}` })
      )
      const answers = await Promise.all([
        ...writers.map((writer) =>
          casUpdate(engine, patch, token, 'auth-user-1', (data) => ({ ...data, [writer]: true }))
        ),
        ...touches
      ])
      assert.ok(
        answers.every((answer) => answer === true),
        'every write of a live entry applies'
      )
      const entry = await engine.get(token)
      assertSameJson(entry?.data, Object.fromEntries(writers.map((writer) => [writer, true])), 'a data write was lost')
      assertHas(entry, { version: CAS_WRITERS })
    })
  })

  describe('patch() with concurrent calls', () => {
    test('racing delete() never leaves the entry behind', async (engine) => {
      const patch = engine.patch?.bind(engine)
      if (!patch) return
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('race'))
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject())
      const touch = (token: string) => patch(token, 'auth-user-1', { lastAccessed: Date.now(), lastIp: '10.0.0.3' })
      await Promise.all(
        tokens.map((token, round) =>
          round % 2 === 0
            ? Promise.all([touch(token), engine.delete(token, 'auth-user-1')])
            : Promise.all([engine.delete(token, 'auth-user-1'), touch(token)])
        )
      )
      for (const token of tokens) assertMissing(await engine.get(token), 'a deleted entry came back')
      assertSameJson(await engine.getAll('auth-user-1'), {}, 'a deleted entry is still listed')
    })

    test('racing deleteAll() never leaves an entry behind', async (engine) => {
      const patch = engine.patch?.bind(engine)
      if (!patch || !engine.deleteAll) return
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('sweep'))
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject())
      await Promise.all([
        ...tokens.map((token) => patch(token, 'auth-user-1', { lastAccessed: Date.now() })),
        engine.deleteAll('auth-user-1')
      ])
      for (const token of tokens) assertMissing(await engine.get(token), 'a signed-out entry came back')
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('of different fields at once keeps every one of them', async (engine) => {
      const patch = engine.patch?.bind(engine)
      if (!patch) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ data: { kept: true } }))
      const later = Date.now() + 1_000
      const answers = await Promise.all([
        patch(token, 'auth-user-1', { lastAccessed: later, lastIp: '10.0.0.7' }),
        patch(token, 'auth-user-1', { deviceId: 'tablet' }),
        patch(token, 'auth-user-1', { data: { kept: true, added: 1 }, version: 1 }, 0)
      ])
      assert.deepEqual(answers, [true, true, true])
      assertHas(await engine.get(token), {
        lastAccessed: later,
        lastIp: '10.0.0.7',
        deviceId: 'tablet',
        data: { kept: true, added: 1 },
        version: 1
      })
    })

    test('racing set() leaves the subject set, with or without the patched fields, whole', async (engine) => {
      const patch = engine.patch?.bind(engine)
      if (!patch) return
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('reset'))
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.1' }))
      const replacement: EngineSubject = subject({ lastIp: '10.0.0.2', data: { fresh: true } })
      await Promise.all(
        tokens.map((token) =>
          Promise.all([
            patch(token, 'auth-user-1', { deviceId: 'patched' }),
            engine.set(token, 'auth-user-1', replacement)
          ])
        )
      )
      for (const token of tokens) {
        const entry = await engine.get(token)
        assertHas(entry, { lastIp: '10.0.0.2', data: { fresh: true } }, 'set() was undone by a patch read before it')
      }
    })
  })
}
