import { Pool } from 'pg'
import { PostgresEngine } from 'express-session-registry/postgres'
import { sessionSubject, tokenHash } from 'express-session-registry/testing'
import { postgresTestbed } from '../support/postgresEngines'
import { describeWithPostgres } from '../support/postgresServer'

const subject = sessionSubject

/** `updateData()` as the core does it over `patch`: read, merge, compare-and-set on the version, retry. */
async function casUpdate(
  engine: PostgresEngine,
  token: string,
  change: (data: Record<string, number>) => Record<string, number>
): Promise<boolean> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const entry = await engine.get(token)
    if (entry === undefined) return false
    const version = (entry.version as number | undefined) ?? 0
    const data = change({ ...(entry.data as Record<string, number> | undefined) })
    if (await engine.patch(token, 'auth-cas', { data, version: version + 1 }, version)) return true
  }
  throw new Error('no compare-and-set succeeded in 64 attempts')
}

describeWithPostgres('PostgresEngine.patch()', () => {
  const bed = postgresTestbed()
  let engine: PostgresEngine
  beforeAll(async () => {
    engine = await bed.freshEngine({ table: 'patched' })
  })
  beforeEach(() => engine.clear())

  describe('on a live entry', () => {
    it('changes only the named fields, leaving every other one as stored', async () => {
      const token = tokenHash()
      const stored = subject({ data: { plan: 'pro', mfa: true }, deviceId: 'phone' })
      await engine.set(token, 'auth-u', stored)
      const later = Date.now() + 5_000
      expect(
        await engine.patch(token, 'auth-u', { lastAccessed: later, lastIp: '198.51.100.4', expiresAt: later + 60_000 })
      ).toBe(true)
      expect(await engine.get(token)).toEqual({
        ...stored,
        lastAccessed: later,
        lastIp: '198.51.100.4',
        expiresAt: later + 60_000
      })
      expect(await engine.patch(token, 'auth-other', { deviceId: 'tablet' })).toBe(true)
      expect(await engine.getAll('auth-u')).toEqual({
        [token]: {
          ...stored,
          lastAccessed: later,
          lastIp: '198.51.100.4',
          expiresAt: later + 60_000,
          deviceId: 'tablet'
        }
      })
      expect(await engine.getAll('auth-other')).toEqual({})
    })

    it('removes a field given as undefined', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject({ data: { elevated: true } }))
      expect(await engine.patch(token, 'auth-u', { data: undefined, version: 1 })).toBe(true)
      const entry = await engine.get(token)
      expect(entry).not.toHaveProperty('data')
      expect(entry).toMatchObject({ version: 1 })
    })

    it('moves the columns the cap and the expiry use: lastAccessed orders the cap, expiresAt ends the entry', async () => {
      const [older, newer] = [tokenHash(), tokenHash()]
      const base = Date.now()
      await engine.set(older, 'auth-cap', subject({ id: 'older', lastAccessed: base - 20_000 }))
      await engine.set(newer, 'auth-cap', subject({ id: 'newer', lastAccessed: base - 10_000 }))
      expect(await engine.patch(older, 'auth-cap', { lastAccessed: base })).toBe(true)
      expect(await engine.setCapped(tokenHash(), 'auth-cap', subject({ id: 'new' }), 2)).toEqual([
        expect.objectContaining({ id: 'newer' })
      ])
      expect(await engine.patch(older, 'auth-cap', { expiresAt: Date.now() - 1 })).toBe(true)
      expect(await engine.get(older)).toBeUndefined()
      expect(await engine.patch(older, 'auth-cap', { lastAccessed: Date.now() })).toBe(false)
    })

    it.each([
      ['NUL', 'a\0b'],
      ['a lone surrogate', '\ud800'],
      ['backslashes and quotes', '\\"\\u0000\''],
      ['SQL', "'; DROP TABLE patched; --"],
      ['deep JSON', JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown]
    ])('stores %s in a patched field exactly, beside fields that hold it too', async (_label, value) => {
      const token = tokenHash()
      const stored = subject({ userId: value, userAgent: value })
      await engine.set(token, 'auth-x', stored)
      expect(await engine.patch(token, 'auth-x', { data: { value }, deviceId: value })).toBe(true)
      expect(await engine.get(token)).toEqual({ ...stored, data: { value }, deviceId: value })
    })
  })

  describe('with an expected version', () => {
    it('applies only when the stored version equals it, absent counting as 0', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-v', subject())
      expect(await engine.patch(token, 'auth-v', { data: { step: 1 }, version: 1 }, 1)).toBe(false)
      expect(await engine.patch(token, 'auth-v', { data: { step: 1 }, version: 1 }, 0)).toBe(true)
      expect(await engine.patch(token, 'auth-v', { data: { step: 2 }, version: 1 }, 0)).toBe(false)
      expect(await engine.patch(token, 'auth-v', { data: { step: 2 }, version: 2 }, 1)).toBe(true)
      expect(await engine.get(token)).toMatchObject({ data: { step: 2 }, version: 2 })
    })
  })

  describe('when the entry is gone', () => {
    it('resolves false and creates nothing, for a missing, deleted or expired entry', async () => {
      const [missing, deleted, expired] = [tokenHash(), tokenHash(), tokenHash()]
      await engine.set(deleted, 'auth-g', subject())
      await engine.delete(deleted)
      await engine.set(expired, 'auth-g', subject())
      await bed.admin.query(
        `UPDATE ${engine.tableName} SET expires_at = now() - interval '1 second' WHERE token = $1`,
        [expired]
      )
      for (const token of [missing, deleted, expired]) {
        expect(await engine.patch(token, 'auth-g', { lastAccessed: Date.now(), expiresAt: Date.now() + 60_000 })).toBe(
          false
        )
        expect(await engine.patch(token, 'auth-g', { version: 1 }, 0)).toBe(false)
        expect(await engine.get(token)).toBeUndefined()
      }
      expect((await bed.admin.query(`SELECT count(*)::int AS n FROM ${engine.tableName}`)).rows[0].n).toBe(1)
    })

    it('never revives an entry deleted while patches race it (300 rounds)', async () => {
      for (let round = 0; round < 300; round++) {
        const token = tokenHash()
        await engine.set(token, 'auth-race', subject())
        await Promise.all([
          engine.patch(token, 'auth-race', { lastAccessed: Date.now(), expiresAt: Date.now() + 60_000 }),
          engine.delete(token),
          engine.patch(token, 'auth-race', { data: { n: round }, version: 1 }, 0)
        ])
        expect(await engine.get(token)).toBeUndefined()
      }
      expect((await bed.admin.query(`SELECT count(*)::int AS n FROM ${engine.tableName}`)).rows[0].n).toBe(0)
    })
  })

  describe('used as compare-and-set from two pools at once', () => {
    it('loses no update over 1,000 concurrent rounds, while access tracking patches the same entry', async () => {
      const pool = new Pool({ connectionString: bed.server.connectionString, max: 4 })
      const other = new PostgresEngine({ pool, table: 'patched' })
      try {
        await other.prepare()
        const token = tokenHash()
        await engine.set(token, 'auth-cas', subject({ data: { kept: 1 } }))
        const rounds = 1_000
        let tracking = true
        const tracker = (async () => {
          let patches = 0
          while (tracking) {
            await other.patch(token, 'auth-cas', { lastAccessed: Date.now(), lastIp: `10.0.0.${patches % 250}` })
            patches += 1
          }
          return patches
        })()
        for (let round = 0; round < rounds; round++) {
          // One engine adds this round's key, the other removes the previous round's: both must hold.
          await Promise.all([
            casUpdate(engine, token, (data) => ({ ...data, [`r${round}`]: round, count: (data.count ?? 0) + 1 })),
            casUpdate(other, token, (data) => {
              const rest = Object.fromEntries(Object.entries(data).filter(([key]) => key !== `r${round - 1}`))
              return { ...rest, count: (rest.count ?? 0) + 1 }
            })
          ])
        }
        tracking = false
        expect(await tracker).toBeGreaterThan(0)
        const entry = await engine.get(token)
        expect(entry).toMatchObject({ version: 2 * rounds, data: { kept: 1, count: 2 * rounds } })
        // Every round's key was removed by the next round: a write undone would have brought one back.
        expect(Object.keys(entry!.data as object).filter((key) => key.startsWith('r'))).toEqual([`r${rounds - 1}`])
      } finally {
        await other.release()
        await pool.end()
      }
    })
  })
})
