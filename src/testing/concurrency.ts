import assert from 'node:assert/strict'
import type { EngineSubject } from '../engine'
import { assertMissing, assertSameJson, isSameJson, keysOf, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

const ROUNDS = 20

/**
 * The atomicity promises, tried with calls in flight at once as concurrent requests make them: a
 * write never revives what a delete removed, concurrent writes are never lost or mixed, and the cap
 * holds under a burst of log ins.
 */
export function describeConcurrency({ describe, test }: ConformanceRunner): void {
  describe('concurrent calls', () => {
    test('update() racing delete() never leaves the entry behind', async (engine) => {
      if (!engine.update) return
      const update = engine.update.bind(engine)
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('race'))
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject())
      await Promise.all(
        tokens.map((token, round) =>
          round % 2 === 0
            ? Promise.all([update(token, 'auth-user-1', subject()), engine.delete(token, 'auth-user-1')])
            : Promise.all([engine.delete(token, 'auth-user-1'), update(token, 'auth-user-1', subject())])
        )
      )
      for (const token of tokens) assertMissing(await engine.get(token), 'a deleted entry came back')
      assertSameJson(await engine.getAll('auth-user-1'), {}, 'a deleted entry is still listed')
    })

    test('update() racing deleteAll() never leaves an entry behind', async (engine) => {
      if (!engine.update || !engine.deleteAll) return
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('sweep'))
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject())
      await Promise.all([
        ...tokens.map((token) => engine.update!(token, 'auth-user-1', subject())),
        engine.deleteAll('auth-user-1')
      ])
      for (const token of tokens) assertMissing(await engine.get(token), 'a signed-out entry came back')
      assertSameJson(await engine.getAll('auth-user-1'), {})
    })

    test('set() of many entries of one category at once loses none', async (engine) => {
      const tokens = Array.from({ length: ROUNDS }, () => tokenHash('burst'))
      await Promise.all(tokens.map((token, n) => engine.set(token, 'auth-user-1', subject({ id: `s${n}` }))))
      assert.deepEqual(keysOf(await engine.getAll('auth-user-1')), [...tokens].sort())
    })

    test('update() of one entry at once leaves one of the values written, whole', async (engine) => {
      if (!engine.update) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      const written: EngineSubject[] = Array.from({ length: ROUNDS }, (_, n) =>
        subject({ lastIp: `10.0.0.${n}`, data: { step: n } })
      )
      const answers = await Promise.all(written.map((entry) => engine.update!(token, 'auth-user-1', entry)))
      assert.ok(
        answers.every((answer) => answer === true),
        'every update of a live entry says so'
      )
      const stored = await engine.get(token)
      assert.ok(
        written.some((entry) => isSameJson(entry, stored)),
        `stored ${JSON.stringify(stored)} is none of the values written`
      )
    })

    test('setCapped() of many log ins at once holds the limit and reports every removal once', async (engine) => {
      if (!engine.setCapped) return
      const limit = 3
      const tokens = Array.from({ length: 12 }, () => tokenHash('cap'))
      const removed = await Promise.all(
        tokens.map((token, n) => engine.setCapped!(token, 'auth-user-1', subject({ id: `c${n}` }), limit))
      )
      const remaining = Object.values(await engine.getAll('auth-user-1')).map((entry) => entry.id)
      // The contract says "at most": a cap that removes one more under a burst breaks no promise.
      assert.ok(remaining.length > 0 && remaining.length <= limit, `${remaining.length} entries left, limit ${limit}`)
      const removedIds = removed.flat().map((entry) => entry.id)
      assert.equal(new Set(removedIds).size, removedIds.length, 'an entry was reported removed twice')
      assert.ok(!removedIds.some((id) => remaining.includes(id)), 'a reported removal is still stored')
      assert.equal(removedIds.length + remaining.length, tokens.length, 'every log in is stored or reported')
    })
  })
}
