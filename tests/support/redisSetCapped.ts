import type { EngineSubject } from '../../src/engine'
import type { RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'

/** A session subject last used at `lastAccessed` (ms), first at `firstAccessed`. */
function used(id: string, lastAccessed: number, firstAccessed = lastAccessed): EngineSubject {
  return { id, userId: 'capped', firstAccessed, lastAccessed, expiresAt: Date.now() + 60_000 }
}

const ids = (subjects: EngineSubject[]) => subjects.map((subject) => subject.id).sort()

/**
 * `setCapped` (the per-user session cap) on a RedisEngine: the least recently used go first, never the
 * new entry, and the removed subjects come back. `engine` returns a prepared engine; each test uses
 * its own category.
 */
export function describeSetCapped(name: string, engine: () => RedisEngine): void {
  describe(`${name}: setCapped()`, () => {
    let category = 0
    const nextCategory = () => `auth-capped-${name}-${(category += 1)}`

    async function fill(target: string, subjects: EngineSubject[]): Promise<string[]> {
      const tokens = subjects.map(() => tokenHash('cap'))
      for (const [position, subject] of subjects.entries()) await engine().set(tokens[position], target, subject)
      return tokens
    }

    it('stores the entry and removes nothing under the limit', async () => {
      const target = nextCategory()
      await fill(target, [used('a', 1_000), used('b', 2_000)])
      const token = tokenHash('cap')
      expect(await engine().setCapped(token, target, used('new', 3_000), 3)).toEqual([])
      expect(await engine().get(token)).toMatchObject({ id: 'new' })
      expect(Object.keys(await engine().getAll(target))).toHaveLength(3)
    })

    it('removes the least recently used beyond the limit and resolves their subjects', async () => {
      const target = nextCategory()
      const [oldest, middle, newest] = await fill(target, [
        used('old', 1_000),
        used('mid', 2_000),
        used('recent', 3_000)
      ])
      const token = tokenHash('cap')
      const removed = await engine().setCapped(token, target, used('new', 4_000), 2)
      expect(ids(removed)).toEqual(['mid', 'old'])
      expect(removed.find((subject) => subject.id === 'old')).toEqual({
        ...used('old', 1_000),
        expiresAt: expect.any(Number)
      })
      expect(await engine().get(oldest)).toBeFalsy()
      expect(await engine().get(middle)).toBeFalsy()
      expect(Object.keys(await engine().getAll(target)).sort()).toEqual([newest, token].sort())
    })

    it('never removes the new entry, even when it is the least recently used', async () => {
      const target = nextCategory()
      await fill(target, [used('a', 5_000), used('b', 6_000)])
      const token = tokenHash('cap')
      expect(ids(await engine().setCapped(token, target, used('new', 1_000), 1))).toEqual(['a', 'b'])
      expect(Object.keys(await engine().getAll(target))).toEqual([token])
    })

    it('breaks ties on lastAccessed by the earliest firstAccessed', async () => {
      const target = nextCategory()
      await fill(target, [used('later', 1_000, 500), used('earlier', 1_000, 100), used('recent', 2_000)])
      expect(ids(await engine().setCapped(tokenHash('cap'), target, used('new', 3_000), 3))).toEqual(['earlier'])
    })

    it('does not count or return entries that have expired', async () => {
      const target = nextCategory()
      await fill(target, [{ ...used('gone', 1_000), expiresAt: Date.now() + 50 }, used('kept', 2_000)])
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await engine().setCapped(tokenHash('cap'), target, used('new', 3_000), 2)).toEqual([])
      expect(ids(Object.values(await engine().getAll(target)))).toEqual(['kept', 'new'])
    })

    it('removes instead of storing an entry whose expiresAt has passed', async () => {
      const target = nextCategory()
      const [token] = await fill(target, [used('a', 1_000)])
      expect(await engine().setCapped(token, target, { ...used('a', 2_000), expiresAt: Date.now() - 1 }, 5)).toEqual([])
      expect(await engine().get(token)).toBeFalsy()
      expect(await engine().getAll(target)).toEqual({})
    })

    it('leaves the other categories alone', async () => {
      const [target, other] = [nextCategory(), nextCategory()]
      const [neighbour] = await fill(other, [used('neighbour', 1)])
      await fill(target, [used('a', 1_000)])
      expect(ids(await engine().setCapped(tokenHash('cap'), target, used('new', 2_000), 1))).toEqual(['a'])
      expect(await engine().get(neighbour)).toMatchObject({ id: 'neighbour' })
    })
  })
}
