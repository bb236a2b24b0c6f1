import supertest from 'supertest'
import { MemoryEngine, Session, type SessionEngine, type SessionOptions } from '../../src'
import { bearer, createApp, expressVersions, logIn } from '../support/app'
import { CountingEngine } from '../support/engines'

// Use is ordered by the recorded times: a clock the tests move by hand makes that order certain.
let now = Date.now()
beforeEach(() => {
  jest.spyOn(Date, 'now').mockImplementation(() => now)
})
afterEach(() => jest.restoreAllMocks())
const tick = (): void => {
  now += 1_000
}

const engines: Array<[string, () => SessionEngine & { release(): void }]> = [
  ['the memory engine (setCapped)', () => new MemoryEngine()],
  ['an engine without setCapped (the core’s fallback)', () => new CountingEngine()]
]

describe.each(expressVersions)('maxSessionsPerUser on %s', (_version, express) => {
  describe.each(engines)('with %s', (_engine, build) => {
    let engine: SessionEngine & { release(): void }
    beforeEach(() => {
      engine = build()
    })
    afterEach(() => engine.release())

    const isLive = async (app: ReturnType<typeof createApp>, token: string) =>
      (await supertest(app).get('/me').set('Authorization', bearer(token))).status === 200

    it('ends the least recently used sessions of that user past the cap, and no one else’s', async () => {
      const options: SessionOptions = { engine, maxSessionsPerUser: 3, trackSessionAccess: true }
      const app = createApp(express, options)
      const other = await logIn(app, 'bob')
      const tokens: string[] = []
      for (let index = 0; index < 3; index += 1) {
        tick()
        tokens.push(await logIn(app, 'ada'))
      }
      tick()
      expect(await isLive(app, tokens[0])).toBe(true) // the first session is now the most recently used
      tick()
      const fourth = await logIn(app, 'ada')
      expect(await isLive(app, tokens[1])).toBe(false)
      for (const token of [tokens[0], tokens[2], fourth, other]) expect(await isLive(app, token)).toBe(true)
      expect(Object.keys(await Session.activeSessions('ada', options))).toHaveLength(3)
    })

    it('holds one user to 100 sessions by default', async () => {
      const options: SessionOptions = { engine }
      const app = createApp(express, options)
      const first = await logIn(app, 'ada')
      for (let index = 0; index < 100; index += 1) {
        tick()
        await logIn(app, 'ada')
      }
      expect(Object.keys(await Session.activeSessions('ada', options))).toHaveLength(100)
      expect(await isLive(app, first)).toBe(false)
    })
  })
})

describe.each(expressVersions)('MemoryEngine maxSessions on %s', (_version, express) => {
  it('evicts one account’s idle sessions, not other users who keep using theirs', async () => {
    const engine = new MemoryEngine({ maxSessions: 20 })
    const app = createApp(express, { engine })
    const others = await Promise.all(Array.from({ length: 10 }, (_, index) => logIn(app, `user-${index}`)))
    for (let attempt = 0; attempt < 30; attempt += 1) {
      await logIn(app, 'mallory')
      for (const token of others) await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
    }
    expect(engine.size).toBe(20)
    engine.release()
  })
})
