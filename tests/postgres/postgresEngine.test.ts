import { randomBytes } from 'node:crypto'
import type { PostgresEngine } from 'express-session-registry/postgres'
import { engineConformance, sessionSubject, tokenHash } from 'express-session-registry/testing'
import { twoInTurn } from '../support/engines'
import { postgresTestbed } from '../support/postgresEngines'
import { describeWithPostgres } from '../support/postgresServer'

const subject = sessionSubject

const hostile = [
  "'; DROP TABLE session_registry; --",
  "' OR '1'='1",
  '" OR ""="',
  '$1',
  '%',
  '_',
  '\\',
  '\\0',
  'a\0b',
  '\0',
  '\u0000\\\u0000',
  'ünïcödé ✓ 🎉',
  '*',
  'x'.repeat(10_240)
]
// Incompressible: stored as it is, longer than a B-tree index entry may be.
const incompressible = randomBytes(7_680).toString('base64')

describeWithPostgres('PostgresEngine', () => {
  const bed = postgresTestbed()
  const { newEngine, freshEngine } = bed

  const conformanceEngine = twoInTurn(() => newEngine({ table: 'conformance' }))
  engineConformance({
    name: 'PostgresEngine',
    describe,
    it,
    beforeEach,
    createEngine: async () => {
      const engine = conformanceEngine()
      await engine.prepare()
      await engine.clear()
      return engine
    }
  })

  describe('setCapped()', () => {
    let engine: PostgresEngine
    beforeAll(async () => {
      engine = await freshEngine()
    })
    beforeEach(() => engine.clear())

    it('stores the new entry and removes the least recently used ones past the limit, returning them', async () => {
      const tokens = [tokenHash(), tokenHash(), tokenHash()]
      const base = Date.now()
      for (const [position, token] of tokens.entries()) {
        await engine.set(token, 'auth-cap', subject({ id: `s${position}`, lastAccessed: base - 10_000 + position }))
      }
      const fresh = tokenHash()
      const removed = await engine.setCapped(fresh, 'auth-cap', subject({ id: 'new' }), 2)
      expect(removed.map((entry) => entry.id).sort()).toEqual(['s0', 's1'])
      expect(Object.keys(await engine.getAll('auth-cap')).sort()).toEqual([tokens[2], fresh].sort())
    })

    it('breaks lastAccessed ties by firstAccessed, and never removes the new entry', async () => {
      const [older, newer, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      const now = Date.now()
      await engine.set(newer, 'auth-tie', subject({ id: 'newer', lastAccessed: now, firstAccessed: now - 10 }))
      await engine.set(older, 'auth-tie', subject({ id: 'older', lastAccessed: now, firstAccessed: now - 20 }))
      expect(await engine.setCapped(fresh, 'auth-tie', subject({ id: 'new', lastAccessed: 1 }), 2)).toEqual([
        expect.objectContaining({ id: 'older' })
      ])
      expect(await engine.setCapped(tokenHash(), 'auth-tie', subject({ id: 'newest' }), 1)).toHaveLength(2)
      expect(Object.values(await engine.getAll('auth-tie')).map((entry) => entry.id)).toEqual(['newest'])
    })

    it('removes nothing under the limit, and leaves other categories alone', async () => {
      const other = tokenHash()
      await engine.set(other, 'auth-someone-else', subject())
      await engine.set(tokenHash(), 'auth-few', subject())
      expect(await engine.setCapped(tokenHash(), 'auth-few', subject(), 5)).toEqual([])
      expect(Object.keys(await engine.getAll('auth-few'))).toHaveLength(2)
      expect(await engine.get(other)).toBeTruthy()
    })

    it('drops the category’s expired rows without reporting them', async () => {
      const expired = tokenHash()
      await engine.set(expired, 'auth-exp', subject())
      await bed.admin.query(`UPDATE "${engine.tableName.slice(1, -1)}" SET expires_at = now() - interval '1 second'`)
      expect(await engine.setCapped(tokenHash(), 'auth-exp', subject(), 5)).toEqual([])
      expect((await bed.admin.query(`SELECT 1 FROM ${engine.tableName} WHERE token = $1`, [expired])).rowCount).toBe(0)
    })

    it('holds the limit when many log ins of one user run at once', async () => {
      const limit = 3
      await Promise.all(
        Array.from({ length: 12 }, (_, position) =>
          engine.setCapped(tokenHash(), 'auth-burst', subject({ id: `b${position}` }), limit)
        )
      )
      expect(Object.keys(await engine.getAll('auth-burst'))).toHaveLength(limit)
    })

    it('stores without a cap when the limit is Infinity, and deletes an already expired entry', async () => {
      for (let n = 0; n < 3; n++) await engine.setCapped(tokenHash(), 'auth-inf', subject(), Infinity)
      expect(Object.keys(await engine.getAll('auth-inf'))).toHaveLength(3)
      const token = tokenHash()
      await engine.set(token, 'auth-inf', subject())
      expect(await engine.setCapped(token, 'auth-inf', subject({ expiresAt: Date.now() - 1 }), 1)).toEqual([])
      expect(await engine.get(token)).toBeUndefined()
    })
  })

  describe('hostile input', () => {
    let engine: PostgresEngine
    beforeAll(async () => {
      engine = await freshEngine()
    })

    it.each([...hostile, incompressible].map((value) => [JSON.stringify(value).slice(0, 40), value]))(
      'stores, lists, updates and deletes %s as a token, a category and a field, exactly',
      async (_label, value) => {
        // The core hands over 43-character token hashes: a 10 kB incompressible key is only ever looked up.
        const token = value === incompressible ? tokenHash() : value
        const category = `auth-${value}`
        const stored = subject({ userId: value, userAgent: value, deviceId: value })
        await engine.set(token, category, stored)
        expect(await engine.get(token)).toEqual(stored)
        expect(await engine.getAll(category)).toEqual({ [token]: stored })
        expect(await engine.update(token, category, { ...stored, lastIp: value })).toBe(true)
        expect(await engine.get(token)).toMatchObject({ lastIp: value })
        expect(await engine.get(value === incompressible ? value : tokenHash())).toBeUndefined()
        await engine.setCapped(tokenHash(), category, stored, 1)
        expect(await engine.get(token)).toBeUndefined()
        await engine.deleteAll(category)
        expect(await engine.getAll(category)).toEqual({})
      }
    )

    it('keeps keys that differ only by an escape apart', async () => {
      const keys = ['a\0b', 'a\\0b', 'a\\\0b', 'a0b']
      for (const key of keys) await engine.set(key, 'auth-escape', subject({ id: key }))
      for (const key of keys) expect(await engine.get(key)).toMatchObject({ id: key })
      expect(Object.keys(await engine.getAll('auth-escape')).sort()).toEqual([...keys].sort())
      await engine.deleteAll('auth-escape', 'a\0b')
      expect(Object.keys(await engine.getAll('auth-escape'))).toEqual(['a\0b'])
    })

    it('leaves the table intact, and nothing else was touched', async () => {
      const { rows } = await bed.admin.query<{ present: boolean }>(
        `SELECT to_regclass('session_registry') IS NULL AS present`
      )
      expect(rows[0].present).toBe(true)
      expect((await bed.admin.query(`SELECT count(*)::int AS n FROM ${engine.tableName}`)).rows[0].n).toBeGreaterThan(0)
    })
  })
})
