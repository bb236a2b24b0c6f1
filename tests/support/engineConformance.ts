import type { EngineSubject, SessionEngine } from '../../src/engine'

/** What a conformance run needs from an engine's test file. */
export interface ConformanceTarget {
  /** Returns the engine to test, prepared and empty. Called before every test. */
  engine: () => SessionEngine | Promise<SessionEngine>
}

let sequence = 0
/** A fresh key per call, shaped like a real token hash (43 base64url characters). */
export function tokenHash(label = 'k'): string {
  sequence += 1
  return `${label}${sequence}`.padEnd(43, 'A').slice(0, 43)
}

function subject(overrides: EngineSubject = {}): EngineSubject {
  const now = Date.now()
  return {
    id: `id-${sequence}`,
    userId: 'user-1',
    firstAccessed: now,
    lastAccessed: now,
    firstIp: '127.0.0.1',
    lastIp: '127.0.0.1',
    userAgent: 'jest',
    deviceId: null,
    expiresAt: now + 60_000,
    ...overrides
  }
}

/** A session subject as the core writes one, from a phone, live for a minute; `overrides` replace its fields. */
export function sessionSubject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now()
  return {
    id: 'hSd9w1X0bq2kQW7lWf3c1A',
    userId: 'user-1',
    firstAccessed: now,
    lastAccessed: now,
    firstIp: '203.0.113.7',
    lastIp: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
    deviceId: null,
    expiresAt: now + 60_000,
    ...overrides
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The engine contract as a test suite. Every engine's test file calls it, so that the memory engine
 * and the Redis engine (standalone and cluster) are held to the same behaviour.
 */
export function describeEngineConformance(name: string, target: ConformanceTarget): void {
  describe(`${name} (engine contract)`, () => {
    let engine: SessionEngine

    beforeEach(async () => {
      engine = await target.engine()
    })

    describe('get()', () => {
      it('returns nothing for an unknown token', async () => {
        expect(await engine.get(tokenHash())).toBeFalsy()
      })

      it('returns a copy equal to what was set', async () => {
        const token = tokenHash()
        const stored = subject({ deviceId: 'phone', userAgent: 'Mozilla/5.0 "quoted" ünïcödé' })
        await engine.set(token, 'auth-user-1', stored)
        const read = await engine.get(token)
        expect(read).toEqual(stored)
        ;(read as EngineSubject).userId = 'mutated'
        expect(await engine.get(token)).toEqual(stored)
      })

      it("returns a session's data (nested JSON) as it was set and updated", async () => {
        const token = tokenHash()
        const data = { orgId: 'org-1', i: 'a field named like a short one', _x: [1, { mfa: { step: 2 } }], e: null }
        await engine.set(token, 'auth-user-1', subject({ data }))
        expect((await engine.get(token))?.data).toEqual(data)
        await engine.update?.(token, 'auth-user-1', subject({ data: { orgId: 'org-2' } }))
        if (engine.update) expect((await engine.get(token))?.data).toEqual({ orgId: 'org-2' })
      })

      it('treats keys as exact strings, never patterns or object members', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject())
        for (const hostile of [
          '*',
          '?',
          '?'.repeat(43),
          '[a-z]*',
          `${token.slice(0, 10)}*`,
          '\\*',
          'constructor',
          '__proto__',
          'toString',
          'hasOwnProperty'
        ]) {
          expect(await engine.get(hostile)).toBeFalsy()
        }
        expect(await engine.getAll('*')).toEqual({})
        expect(await engine.getAll('__proto__')).toEqual({})
        expect(await engine.getAll('constructor')).toEqual({})
      })

      it('does not return an entry whose expiresAt has passed', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() - 1_000 }))
        expect(await engine.get(token)).toBeFalsy()
        expect(await engine.getAll('auth-user-1')).toEqual({})
      })

      it('lets an entry lapse when its expiresAt comes', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject({ expiresAt: Date.now() + 300 }))
        expect(await engine.get(token)).toBeTruthy()
        await eventually(async () => !(await engine.get(token)))
        expect(await engine.getAll('auth-user-1')).toEqual({})
      })
    })

    describe('set()', () => {
      it('replaces an existing entry', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.1' }))
        await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.2' }))
        expect(await engine.get(token)).toMatchObject({ lastIp: '10.0.0.2' })
        expect(Object.keys(await engine.getAll('auth-user-1'))).toEqual([token])
      })

      it('keeps an entry without expiresAt', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject({ expiresAt: null }))
        expect(await engine.get(token)).toMatchObject({ expiresAt: null })
      })
    })

    describe('getAll()', () => {
      it('returns {} for an unknown category', async () => {
        expect(await engine.getAll('auth-nobody')).toEqual({})
      })

      it('returns the entries of one category only, keyed by token', async () => {
        const [a, b, c] = [tokenHash(), tokenHash(), tokenHash()]
        await engine.set(a, 'auth-user-1', subject({ id: 'a' }))
        await engine.set(b, 'auth-user-1', subject({ id: 'b' }))
        await engine.set(c, 'auth-user-2', subject({ id: 'c', userId: 'user-2' }))
        const all = await engine.getAll('auth-user-1')
        expect(Object.keys(all).sort()).toEqual([a, b].sort())
        expect(all[a]).toMatchObject({ id: 'a' })
        expect(all[b]).toMatchObject({ id: 'b' })
      })
    })

    describe('delete()', () => {
      it('removes the entry from get() and getAll()', async () => {
        const [a, b] = [tokenHash(), tokenHash()]
        await engine.set(a, 'auth-user-1', subject())
        await engine.set(b, 'auth-user-1', subject())
        await engine.delete(a, 'auth-user-1')
        expect(await engine.get(a)).toBeFalsy()
        expect(Object.keys(await engine.getAll('auth-user-1'))).toEqual([b])
      })

      it('works without the category (the token-registry call)', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject())
        await engine.delete(token)
        expect(await engine.get(token)).toBeFalsy()
        expect(await engine.getAll('auth-user-1')).toEqual({})
      })

      it('is a no-op for an unknown token', async () => {
        await expect(Promise.resolve(engine.delete(tokenHash()))).resolves.toBeUndefined()
      })
    })

    describe('update()', () => {
      it('replaces a live entry and says so', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject({ lastIp: '10.0.0.1' }))
        expect(await engine.update!(token, 'auth-user-1', subject({ lastIp: '10.0.0.9' }))).toBe(true)
        expect(await engine.get(token)).toMatchObject({ lastIp: '10.0.0.9' })
        expect(Object.keys(await engine.getAll('auth-user-1'))).toEqual([token])
      })

      it('never re-creates a deleted entry', async () => {
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject())
        await engine.delete(token, 'auth-user-1')
        expect(await engine.update!(token, 'auth-user-1', subject())).toBe(false)
        expect(await engine.get(token)).toBeFalsy()
        expect(await engine.getAll('auth-user-1')).toEqual({})
      })

      it('does not create an unknown entry', async () => {
        const token = tokenHash()
        expect(await engine.update!(token, 'auth-user-1', subject())).toBe(false)
        expect(await engine.get(token)).toBeFalsy()
      })
    })

    describe('deleteAll()', () => {
      it('removes every entry of the category but the one to keep', async () => {
        const [a, b, c, other] = [tokenHash(), tokenHash(), tokenHash(), tokenHash()]
        for (const token of [a, b, c]) await engine.set(token, 'auth-user-1', subject())
        await engine.set(other, 'auth-user-2', subject({ userId: 'user-2' }))
        await engine.deleteAll!('auth-user-1', b)
        expect(await engine.get(a)).toBeFalsy()
        expect(await engine.get(c)).toBeFalsy()
        expect(await engine.get(b)).toBeTruthy()
        expect(Object.keys(await engine.getAll('auth-user-1'))).toEqual([b])
        expect(await engine.get(other)).toBeTruthy()
      })

      it('removes them all without a token to keep', async () => {
        const [a, b] = [tokenHash(), tokenHash()]
        await engine.set(a, 'auth-user-1', subject())
        await engine.set(b, 'auth-user-1', subject())
        await engine.deleteAll!('auth-user-1')
        expect(await engine.getAll('auth-user-1')).toEqual({})
        expect(await engine.get(a)).toBeFalsy()
      })

      it('is a no-op for an unknown category', async () => {
        await expect(Promise.resolve(engine.deleteAll!('auth-nobody'))).resolves.toBeUndefined()
      })
    })

    // Optional in the contract: engines without it are held to the core's fallback instead.
    describe('setCapped()', () => {
      const at = (lastAccessed: number, firstAccessed = 0, extra: EngineSubject = {}) =>
        subject({ lastAccessed, firstAccessed, ...extra })

      it('stores the new entry and removes the least recently used others down to the limit', async () => {
        if (!engine.setCapped) return
        const [a, b, c, fresh] = [tokenHash(), tokenHash(), tokenHash(), tokenHash()]
        await engine.set(a, 'auth-user-1', at(3_000, 0, { id: 'a' }))
        await engine.set(b, 'auth-user-1', at(1_000, 0, { id: 'b' }))
        await engine.set(c, 'auth-user-1', at(2_000, 0, { id: 'c' }))
        const removed = await engine.setCapped(fresh, 'auth-user-1', at(4_000, 0, { id: 'fresh' }), 2)
        expect(removed.map((entry) => entry.id).sort()).toEqual(['b', 'c'])
        expect(Object.keys(await engine.getAll('auth-user-1')).sort()).toEqual([a, fresh].sort())
        expect(await engine.get(b)).toBeFalsy()
        expect(await engine.get(fresh)).toMatchObject({ id: 'fresh' })
      })

      it('breaks ties by the earliest log in, and never removes the new entry', async () => {
        if (!engine.setCapped) return
        const [older, newer, fresh] = [tokenHash(), tokenHash(), tokenHash()]
        await engine.set(newer, 'auth-user-1', at(1_000, 500, { id: 'newer' }))
        await engine.set(older, 'auth-user-1', at(1_000, 100, { id: 'older' }))
        const removed = await engine.setCapped(fresh, 'auth-user-1', at(0, 0, { id: 'fresh' }), 2)
        expect(removed.map((entry) => entry.id)).toEqual(['older'])
        expect(Object.keys(await engine.getAll('auth-user-1')).sort()).toEqual([newer, fresh].sort())
      })

      it('removes nothing within the limit, and nothing of another category', async () => {
        if (!engine.setCapped) return
        const [mine, theirs, fresh] = [tokenHash(), tokenHash(), tokenHash()]
        await engine.set(mine, 'auth-user-1', at(1_000))
        await engine.set(theirs, 'auth-user-2', at(0, 0, { userId: 'user-2' }))
        expect(await engine.setCapped(fresh, 'auth-user-1', at(2_000), 2)).toEqual([])
        expect(Object.keys(await engine.getAll('auth-user-1')).sort()).toEqual([mine, fresh].sort())
        expect(await engine.get(theirs)).toBeTruthy()
      })
    })

    describe('clear()', () => {
      it('removes every entry', async () => {
        const [a, b] = [tokenHash(), tokenHash()]
        await engine.set(a, 'auth-user-1', subject())
        await engine.set(b, 'auth-user-2', subject())
        await engine.clear()
        expect(await engine.get(a)).toBeFalsy()
        expect(await engine.getAll('auth-user-2')).toEqual({})
      })
    })

    describe('prepare()', () => {
      it('is idempotent and safe to call concurrently', async () => {
        await Promise.all([engine.prepare?.(), engine.prepare?.(), engine.prepare?.()])
        const token = tokenHash()
        await engine.set(token, 'auth-user-1', subject())
        expect(await engine.get(token)).toBeTruthy()
      })
    })
  })
}
