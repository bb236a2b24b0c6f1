import { MemoryEngine } from '../../src/engines/memory/MemoryEngine'
import { engineConformance, tokenHash } from 'express-session-registry/testing'

const engines: MemoryEngine[] = []
afterAll(() => engines.forEach((engine) => engine.release()))

function newEngine(options?: ConstructorParameters<typeof MemoryEngine>[0]): MemoryEngine {
  const engine = new MemoryEngine(options)
  engines.push(engine)
  return engine
}

engineConformance({
  name: 'MemoryEngine',
  createEngine: () => new MemoryEngine({ sweepInterval: 100 }),
  // The engine of one process: its 1,000 rounds of features meeting run here, not in featuresMeet.test.ts.
  featureRounds: 1_000,
  closeEngine: (engine) => engine.release?.(),
  describe,
  it,
  afterEach
})

describe('MemoryEngine', () => {
  const entry = (expiresAt: number | null) => ({ id: 'x', userId: 'u', expiresAt })

  describe('with maxSessions', () => {
    it('evicts the least recently created session past the bound when none was used since', () => {
      const engine = newEngine({ maxSessions: 2 })
      const [a, b, c] = [tokenHash(), tokenHash(), tokenHash()]
      engine.set(a, 'auth-u', entry(null))
      engine.set(b, 'auth-u', entry(null))
      engine.set(c, 'auth-u', entry(null))
      expect(engine.size).toBe(2)
      expect(engine.get(a)).toBeUndefined()
      expect(Object.keys(engine.getAll('auth-u')).sort()).toEqual([b, c].sort())
    })

    it.each([
      ['read', (engine: MemoryEngine, token: string) => engine.get(token)],
      ['updated', (engine: MemoryEngine, token: string) => engine.update(token, 'auth-u', entry(null))]
    ])('evicts the least recently used session: one %s since stays', (_use, use) => {
      const engine = newEngine({ maxSessions: 2 })
      const [a, b, c] = [tokenHash(), tokenHash(), tokenHash()]
      engine.set(a, 'auth-u', entry(null))
      engine.set(b, 'auth-u', entry(null))
      use(engine, a)
      engine.set(c, 'auth-u', entry(null))
      expect(engine.get(b)).toBeUndefined()
      expect(engine.get(a)).toBeTruthy()
      expect(engine.get(c)).toBeTruthy()
    })
  })

  describe('setCapped()', () => {
    it('counts only live sessions against the limit', () => {
      const engine = newEngine()
      const [expired, live, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      engine.set(expired, 'auth-u', entry(Date.now() - 1))
      engine.set(live, 'auth-u', entry(null))
      expect(engine.setCapped(fresh, 'auth-u', entry(null), 2)).toEqual([])
      expect(Object.keys(engine.getAll('auth-u')).sort()).toEqual([live, fresh].sort())
    })
  })

  describe('get()', () => {
    it('hands out copies that share nothing with the store, nested data included', () => {
      const engine = newEngine()
      const token = tokenHash()
      engine.set(token, 'auth-u', { ...entry(null), data: { theme: 'dark', tags: ['a'] } })
      const first = engine.get(token) as { userId: string; data: { theme: string; tags: string[] } }
      first.userId = 'changed'
      first.data.theme = 'light'
      first.data.tags.push('b')
      expect(engine.get(token)).toEqual({ ...entry(null), data: { theme: 'dark', tags: ['a'] } })
      expect(engine.getAll('auth-u')[token]).toEqual({ ...entry(null), data: { theme: 'dark', tags: ['a'] } })
    })
  })

  describe('sweep()', () => {
    it('removes expired entries without a read', () => {
      const engine = newEngine()
      const [live, dead] = [tokenHash(), tokenHash()]
      engine.set(live, 'auth-u', entry(Date.now() + 60_000))
      engine.set(dead, 'auth-u', entry(Date.now() + 60_000))
      engine.sweep(Date.now() + 120_000)
      expect(engine.size).toBe(0)
      engine.set(live, 'auth-u', entry(Date.now() + 60_000))
      engine.set(dead, 'auth-other', entry(Date.now() - 1))
      engine.sweep()
      expect(engine.size).toBe(1)
      expect(engine.getAll('auth-other')).toEqual({})
    })

    it('runs on an unref’d timer', () => {
      const engine = newEngine({ sweepInterval: 10 })
      engine.set(tokenHash(), 'auth-u', entry(null))
      const timer = (engine as unknown as { sweepTimer: NodeJS.Timeout }).sweepTimer
      expect(timer.hasRef()).toBe(false)
    })
  })

  describe('set()', () => {
    it('moves an entry whose category changes', () => {
      const engine = newEngine()
      const token = tokenHash()
      engine.set(token, 'auth-a', entry(null))
      engine.set(token, 'auth-b', entry(null))
      expect(engine.getAll('auth-a')).toEqual({})
      expect(Object.keys(engine.getAll('auth-b'))).toEqual([token])
    })

    it('rejects a subject that is not JSON data', () => {
      const engine = newEngine()
      const circular: Record<string, unknown> = {}
      circular.self = circular
      expect(() => engine.set(tokenHash(), 'auth-a', circular)).toThrow(TypeError)
    })
  })

  describe('options', () => {
    it.each([
      ['maxSessions', 0],
      ['maxSessions', 1.5],
      ['maxSessions', '10'],
      ['sweepInterval', 0],
      ['sweepInterval', Number.NaN],
      ['sweepInterval', '1s']
    ])('rejects %s = %p with a TypeError naming it', (name, value) => {
      expect(() => new MemoryEngine({ [name]: value })).toThrow(TypeError)
      expect(() => new MemoryEngine({ [name]: value })).toThrow(`"${name}"`)
    })
  })
})
