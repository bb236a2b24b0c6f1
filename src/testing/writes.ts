import assert from 'node:assert/strict'
import type { EngineSubject } from '../engine'
import { assertHas, assertMissing, assertSameJson, keysOf, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

// Array.from, not entries.map: an engine's array may come from another realm (a native driver under jest's
// sandbox), and strict deep equality compares prototypes.
const idsOf = (entries: EngineSubject[]): unknown[] => Array.from(entries, (entry) => entry.id)

/**
 * The optional methods: `update`, `deleteAll`, `setCapped`. An engine without one is held to the
 * core's fallback instead (weaker, see the README), so its cases have nothing to check there.
 */
export function describeWrites({ describe, test }: ConformanceRunner): void {
  describe('update()', () => {
    test('replaces a live entry and says so', async (engine) => {
      if (!engine.update) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.1' }))
      assert.equal(await engine.update(token, 'auth-user-1', subject({ lastIp: '10.0.0.9' })), true)
      assertHas(await engine.get(token), { lastIp: '10.0.0.9' })
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [token])
    })

    test('never re-creates a deleted entry', async (engine) => {
      if (!engine.update) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.delete(token, 'auth-user-1')
      assert.equal(await engine.update(token, 'auth-user-1', subject()), false)
      assertMissing(await engine.get(token))
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('does not create an unknown entry', async (engine) => {
      if (!engine.update) return
      const token = tokenHash()
      assert.equal(await engine.update(token, 'auth-user-1', subject()), false)
      assertMissing(await engine.get(token))
    })
  })

  describe('deleteAll()', () => {
    test('removes every entry of the category but the one to keep', async (engine) => {
      if (!engine.deleteAll) return
      const [a, b, c, other] = [tokenHash(), tokenHash(), tokenHash(), tokenHash()]
      for (const token of [a, b, c]) await engine.set(token, 'auth-user-1', subject())
      await engine.set(other, 'auth-user-2', subject({ userId: 'user-2' }))
      await engine.deleteAll('auth-user-1', b)
      assertMissing(await engine.get(a))
      assertMissing(await engine.get(c))
      assert.ok(await engine.get(b), 'the kept entry stays')
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [b])
      assert.ok(await engine.get(other), 'another category is untouched')
    })

    test('removes them all without a token to keep', async (engine) => {
      if (!engine.deleteAll) return
      const [a, b] = [tokenHash(), tokenHash()]
      await engine.set(a, 'auth-user-1', subject())
      await engine.set(b, 'auth-user-1', subject())
      await engine.deleteAll('auth-user-1')
      assertSameJson(await engine.getAll('auth-user-1'), {})
      assertMissing(await engine.get(a))
    })

    test('is a no-op for an unknown category', async (engine) => {
      if (!engine.deleteAll) return
      assert.equal(await engine.deleteAll('auth-nobody'), undefined)
    })
  })

  describe('setCapped()', () => {
    const at = (lastAccessed: number, firstAccessed = 0, extra: EngineSubject = {}) =>
      subject({ lastAccessed, firstAccessed, ...extra })

    test('stores the new entry and removes the least recently used others down to the limit', async (engine) => {
      if (!engine.setCapped) return
      const [a, b, c, fresh] = [tokenHash(), tokenHash(), tokenHash(), tokenHash()]
      await engine.set(a, 'auth-user-1', at(3_000, 0, { id: 'a' }))
      await engine.set(b, 'auth-user-1', at(1_000, 0, { id: 'b' }))
      await engine.set(c, 'auth-user-1', at(2_000, 0, { id: 'c' }))
      const removed = await engine.setCapped(fresh, 'auth-user-1', at(4_000, 0, { id: 'fresh' }), 2)
      assert.deepEqual(idsOf(removed).sort(), ['b', 'c'], 'resolves the subjects it removed')
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [a, fresh].sort())
      assertMissing(await engine.get(b))
      assertHas(await engine.get(fresh), { id: 'fresh' })
    })

    test('breaks ties by the earliest log in, and never removes the new entry', async (engine) => {
      if (!engine.setCapped) return
      const [older, newer, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      await engine.set(newer, 'auth-user-1', at(1_000, 500, { id: 'newer' }))
      await engine.set(older, 'auth-user-1', at(1_000, 100, { id: 'older' }))
      const removed = await engine.setCapped(fresh, 'auth-user-1', at(0, 0, { id: 'fresh' }), 2)
      assert.deepEqual(idsOf(removed), ['older'])
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [newer, fresh].sort())
    })

    test('removes nothing within the limit, and nothing of another category', async (engine) => {
      if (!engine.setCapped) return
      const [mine, theirs, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      await engine.set(mine, 'auth-user-1', at(1_000))
      await engine.set(theirs, 'auth-user-2', at(0, 0, { userId: 'user-2' }))
      assert.deepEqual(Array.from(await engine.setCapped(fresh, 'auth-user-1', at(2_000), 2)), [])
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [mine, fresh].sort())
      assert.ok(await engine.get(theirs), 'another category is untouched')
    })
  })
}
