import type { EngineSubject } from '../../src/engine'
import type { RedisEngine } from 'express-session-registry/redis'
import { sessionSubject, tokenHash } from 'express-session-registry/testing'

/** Sends one raw command about `key` to the node that holds it (a third party writing behind the engine). */
export type RawSend = (key: string, args: string[]) => Promise<unknown>

/** What {@link describeRedisWrites} needs: a prepared engine and a raw way to the same Redis. */
export interface RedisWritesTarget {
  engine: RedisEngine
  send: RawSend
}

// JSON nested deeper than Lua's cjson decodes (1,000 levels), yet well within 4 kB.
const DEEP_JSON = `${'['.repeat(1_001)}${']'.repeat(1_001)}`
const LONE_SURROGATE = '\ud800'

/**
 * `patch()`, the values a Lua script could not decode, and entries of release 0.1, on a RedisEngine:
 * only the named fields change, a version compare-and-set, no write revives an entry, and no stored
 * value ever hides a session from the listing, from `deleteAll` or from the cap.
 */
export function describeRedisWrites(name: string, target: () => RedisWritesTarget): void {
  describe(`${name}: writes`, () => {
    let category = 0
    const nextCategory = () => `auth-writes-${name}-${(category += 1)}`
    const engine = () => target().engine
    const send: RawSend = (key, args) => target().send(key, args)
    const entryKey = (token: string) => `${engine().identifier}:t:${token}`
    const indexKey = (of: string) => `${engine().identifier}:i:${of}`

    async function members(of: string): Promise<string[]> {
      return ((await send(indexKey(of), ['ZRANGE', indexKey(of), '0', '-1'])) as unknown[]).map(String).sort()
    }

    /** Every member has its entry, and every one of `tokens` whose entry exists has its member. */
    async function expectConsistent(of: string, tokens: string[]): Promise<void> {
      const listed = await members(of)
      const existing: string[] = []
      for (const token of tokens) {
        if (Number(await send(entryKey(token), ['EXISTS', entryKey(token)])) === 1) existing.push(token)
      }
      expect(listed).toEqual(existing.sort())
    }

    describe('patch()', () => {
      it('changes only the fields it is given', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        const stored = sessionSubject({ deviceId: 'phone', data: { orgId: 'org-1' } })
        await engine().set(token, of, stored)
        expect(await engine().patch(token, of, { lastIp: '198.51.100.9', lastAccessed: 5 })).toBe(true)
        expect(await engine().get(token)).toEqual({ ...stored, lastIp: '198.51.100.9', lastAccessed: 5 })
      })

      it('removes a field given as undefined', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        await engine().set(token, of, sessionSubject({ data: { elevated: true } }))
        expect(await engine().patch(token, of, { data: undefined })).toBe(true)
        expect(await engine().get(token)).not.toHaveProperty('data')
      })

      it('applies with the stored version only, absent counting as 0', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        await engine().set(token, of, sessionSubject({ data: { step: 0 } }))
        expect(await engine().patch(token, of, { data: { step: 1 }, version: 1 }, 0)).toBe(true)
        expect(await engine().patch(token, of, { data: { step: 2 }, version: 1 }, 0)).toBe(false)
        expect(await engine().patch(token, of, { data: { step: 2 }, version: 2 }, 1)).toBe(true)
        expect(await engine().get(token)).toMatchObject({ data: { step: 2 }, version: 2 })
      })

      it('loses no update among concurrent compare-and-set writers', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        await engine().set(token, of, sessionSubject())
        const increment = async () => {
          for (;;) {
            const read = await engine().get(token)
            const version = (read?.version as number | undefined) ?? 0
            if (await engine().patch(token, of, { version: version + 1 }, version)) return
          }
        }
        await Promise.all(Array.from({ length: 20 }, increment))
        expect((await engine().get(token))?.version).toBe(20)
      })

      it('never creates an entry, nor changes one of another category', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        expect(await engine().patch(token, of, { lastAccessed: Date.now() })).toBe(false)
        expect(Number(await send(entryKey(token), ['EXISTS', entryKey(token)]))).toBe(0)
        expect(await members(of)).toEqual([])
        await engine().set(token, of, sessionSubject())
        expect(await engine().patch(token, nextCategory(), { lastIp: '198.51.100.9' })).toBe(false)
        expect(await engine().get(token)).toMatchObject({ lastIp: '203.0.113.7' })
      })

      it('never revives an entry deleted at the same time, and leaves the index consistent', async () => {
        const of = nextCategory()
        const tokens = Array.from({ length: 30 }, () => tokenHash('race'))
        await Promise.all(tokens.map((token) => engine().set(token, of, sessionSubject())))
        await Promise.all(
          tokens.map((token, position) => {
            const patch = () => engine().patch(token, of, { lastAccessed: Date.now(), expiresAt: Date.now() + 120_000 })
            const remove = () => engine().delete(token, of)
            return Promise.all(position % 2 ? [patch(), remove()] : [remove(), patch()])
          })
        )
        await expectConsistent(of, tokens)
        expect(await members(of)).toEqual([])
        expect(await engine().getAll(of)).toEqual({})
      })

      it('moves the TTL with expiresAt, and the cap order with lastAccessed', async () => {
        const of = nextCategory()
        const [old, recent] = [tokenHash('patch'), tokenHash('patch')]
        await engine().set(old, of, sessionSubject({ id: 'old', lastAccessed: 1_000 }))
        await engine().set(recent, of, sessionSubject({ id: 'recent', lastAccessed: 2_000 }))
        const expiresAt = Date.now() + 300_000
        expect(await engine().patch(old, of, { lastAccessed: 3_000, expiresAt })).toBe(true)
        expect(Number(await send(entryKey(old), ['PEXPIRETIME', entryKey(old)]))).toBe(expiresAt)
        const removed = await engine().setCapped(tokenHash('patch'), of, sessionSubject({ lastAccessed: 4_000 }), 2)
        expect(removed.map((subject) => subject.id)).toEqual(['recent'])
      })

      it('ends an entry whose new expiresAt has passed, member included', async () => {
        const [token, of] = [tokenHash('patch'), nextCategory()]
        await engine().set(token, of, sessionSubject())
        expect(await engine().patch(token, of, { expiresAt: Date.now() - 1 })).toBe(true)
        expect(await engine().get(token)).toBeFalsy()
        await expectConsistent(of, [token])
      })
    })

    describe('values no Lua script could decode', () => {
      const hostile = (id: string): EngineSubject =>
        sessionSubject({ id, deviceId: LONE_SURROGATE, data: { note: `a${LONE_SURROGATE}b`, [LONE_SURROGATE]: 1 } })

      it('round-trips a lone surrogate in data and deviceId exactly', async () => {
        const [token, of, stored] = [tokenHash('hostile'), nextCategory(), hostile('lone')]
        await engine().set(token, of, stored)
        const read = await engine().get(token)
        expect(read).toEqual(stored)
        expect(read?.deviceId).toBe(LONE_SURROGATE)
        expect(Object.values(await engine().getAll(of))).toEqual([stored])
      })

      it('lists, caps and signs out sessions holding them', async () => {
        const of = nextCategory()
        const [lone, deep, plain] = [tokenHash('hostile'), tokenHash('hostile'), tokenHash('hostile')]
        await engine().set(lone, of, { ...hostile('lone'), lastAccessed: 1_000 })
        await engine().set(deep, of, sessionSubject({ id: 'deep', lastAccessed: 2_000 }))
        // A third party stores data nested past cjson's limit, behind the engine's back.
        await send(entryKey(deep), ['HSET', entryKey(deep), 'D', DEEP_JSON])
        await engine().set(plain, of, sessionSubject({ id: 'plain', lastAccessed: 3_000 }))
        expect(Object.keys(await engine().getAll(of)).sort()).toEqual([lone, deep, plain].sort())

        const added = tokenHash('hostile')
        const removed = await engine().setCapped(added, of, sessionSubject({ lastAccessed: 4_000 }), 2)
        expect(removed.map((subject) => subject.id).sort()).toEqual(['deep', 'lone'])
        expect(await engine().get(lone)).toBeFalsy()
        expect(await engine().get(deep)).toBeFalsy()
        await expectConsistent(of, [lone, deep, plain, added])
      })

      it('leaves none of them to deleteAll', async () => {
        const of = nextCategory()
        const [lone, deep, kept] = [tokenHash('hostile'), tokenHash('hostile'), tokenHash('hostile')]
        await engine().set(lone, of, hostile('lone'))
        await engine().set(deep, of, sessionSubject({ id: 'deep' }))
        await send(entryKey(deep), ['HSET', entryKey(deep), 'D', DEEP_JSON])
        await engine().set(kept, of, sessionSubject({ id: 'kept' }))
        await engine().deleteAll(of, kept)
        expect(Object.keys(await engine().getAll(of))).toEqual([kept])
        expect(await engine().get(lone)).toBeFalsy()
        expect(await engine().get(deep)).toBeFalsy()
      })
    })

    describe('an entry written by release 0.1 (a JSON string)', () => {
      async function legacy(token: string, of: string, subject: EngineSubject): Promise<void> {
        const fields = {
          i: subject.id,
          u: subject.userId,
          f: subject.firstAccessed,
          l: subject.lastAccessed,
          e: subject.expiresAt
        }
        await send(entryKey(token), ['SET', entryKey(token), JSON.stringify([of, fields]), 'PX', '60000'])
        // That release scored the index by expiry.
        await send(indexKey(of), ['ZADD', indexKey(of), String(subject.expiresAt), token])
      }
      const old = (id: string, lastAccessed: number) => ({
        id,
        userId: 'user-1',
        firstAccessed: lastAccessed,
        lastAccessed,
        expiresAt: Date.now() + 60_000
      })

      it('is read, listed and deleted', async () => {
        const [token, other, of] = [tokenHash('legacy'), tokenHash('legacy'), nextCategory()]
        const one = old('one', 1_000)
        await legacy(token, of, one)
        await legacy(other, of, old('two', 1_000))
        expect(await engine().get(token)).toEqual(one)
        expect(Object.keys(await engine().getAll(of)).sort()).toEqual([token, other].sort())
        await engine().delete(token)
        expect(await engine().get(token)).toBeFalsy()
        expect(await members(of)).toEqual([other])
      })

      it('is rewritten as a hash by its next patch, which applies', async () => {
        const [token, of] = [tokenHash('legacy'), nextCategory()]
        const one = old('one', 1_000)
        await legacy(token, of, one)
        expect(await engine().patch(token, of, { lastIp: '198.51.100.9' })).toBe(true)
        expect(String(await send(entryKey(token), ['TYPE', entryKey(token)]))).toBe('hash')
        expect(await engine().get(token)).toEqual({ ...one, lastIp: '198.51.100.9' })
        // Re-scored by last use.
        expect(Number(await send(indexKey(of), ['ZSCORE', indexKey(of), token]))).toBe(1_000)
        expect(Number(await send(entryKey(token), ['PTTL', entryKey(token)]))).toBeGreaterThan(50_000)
      })

      it('counts under the cap, and comes back whole when the cap ends it', async () => {
        const [token, of] = [tokenHash('legacy'), nextCategory()]
        const one = old('one', 1_000)
        await legacy(token, of, one)
        const added = tokenHash('legacy')
        const removed = await engine().setCapped(added, of, sessionSubject(), 1)
        expect(removed).toEqual([one])
        await expectConsistent(of, [token, added])
      })
    })
  })
}
