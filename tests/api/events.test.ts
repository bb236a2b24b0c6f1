import type { Express } from 'express'
import supertest from 'supertest'
import {
  Session,
  SessionEngineError,
  session,
  type SessionEventMap,
  type SessionMiddleware,
  type SessionOptions
} from '../../src'
import { bearer, createApp, expressVersions, logIn } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'
import { failingEngine } from '../support/engines'

type Recorded = { [E in keyof SessionEventMap]: { event: E; payload: SessionEventMap[E] } }[keyof SessionEventMap]

/** Listens to every event of `middleware` and keeps what arrived, in order. */
function record(middleware: SessionMiddleware): Recorded[] {
  const seen: Recorded[] = []
  for (const event of ['logIn', 'logOut', 'revoke', 'renew', 'engineError'] as const) {
    middleware.on(event, (payload) => void seen.push({ event, payload } as Recorded))
  }
  return seen
}

const engines = engineMatrix()

describe.each(engines)('events on the $name engine', ({ engine }) => {
  describe.each(expressVersions)('%s', (_version, express) => {
    let options: SessionOptions
    let middleware: SessionMiddleware
    let seen: Recorded[]
    let app: Express

    beforeEach(() => {
      options = { engine: engine(), idleTimeout: 60_000 }
      middleware = session(options)
      seen = record(middleware)
      app = createApp(express, { engine: engine() }, { errors: [] }, middleware)
    })

    it("emits 'logIn' with the session id, the user id and the request, never the token", async () => {
      const token = await logIn(app, 'ada')
      expect(seen).toHaveLength(1)
      const [{ event, payload }] = seen
      expect(event).toBe('logIn')
      expect(payload).toMatchObject({ userId: 'ada', sessionId: expect.any(String) })
      expect(payload.request?.url).toBe('/login')
      const { request, ...rest } = payload
      expect(JSON.stringify(rest)).not.toContain(token)
      const listed = await Session.activeSessions('ada', options)
      expect(Object.keys(listed)).toContain((payload as SessionEventMap['logIn']).sessionId)
      void request
    })

    it("emits 'logOut' when the request's own session ends", async () => {
      const token = await logIn(app, 'ada')
      const [{ payload: started }] = seen as Array<{ payload: SessionEventMap['logIn'] }>
      await supertest(app).post('/logout').set('Authorization', bearer(token)).expect(200, { ended: true })
      expect(seen[1]).toMatchObject({ event: 'logOut', payload: { sessionId: started.sessionId, userId: 'ada' } })
    })

    it("emits 'revoke' with the ids ended by logOut(id), logOutOthers() and a static logOutAll()", async () => {
      const user = `ada-${Math.random()}`
      await logIn(app, user)
      const laptop = await logIn(app, user)
      const tablet = await logIn(app, user)
      const [phoneId, laptopId, tabletId] = seen.map((entry) => (entry.payload as SessionEventMap['logIn']).sessionId)
      await supertest(app).post('/logout').set('Authorization', bearer(laptop)).send({ target: phoneId })
      expect(seen[3]).toMatchObject({ event: 'revoke', payload: { sessionIds: [phoneId], userId: user } })
      await supertest(app).post('/logout-others').set('Authorization', bearer(tablet)).expect(204)
      expect(seen[4]).toMatchObject({ event: 'revoke', payload: { sessionIds: [laptopId], userId: user } })
      // Static calls with the same options object emit on the same middleware.
      await Session.logOutAll(user, options)
      expect(seen[5]).toMatchObject({ event: 'revoke', payload: { sessionIds: [tabletId], userId: user } })
      expect(seen[5].payload.request).toBeUndefined()
      expect(seen).toHaveLength(6)
    })

    it("emits 'revoke' with the least recently used session a log in past maxSessionsPerUser ended", async () => {
      const capped = session({ engine: engine(), maxSessionsPerUser: 2 })
      const cappedSeen = record(capped)
      const cappedApp = createApp(express, { engine: engine() }, { errors: [] }, capped)
      const user = `ada-${Math.random()}`
      await logIn(cappedApp, user)
      await logIn(cappedApp, user)
      const [oldestId] = cappedSeen.map((entry) => (entry.payload as SessionEventMap['logIn']).sessionId)
      await logIn(cappedApp, user)
      expect(cappedSeen.slice(3)).toMatchObject([
        { event: 'revoke', payload: { sessionIds: [oldestId], userId: user } }
      ])
      expect(cappedSeen[3].payload.request?.url).toBe('/login')
    })

    it("emits 'renew' when a request pushes the expiry forward", async () => {
      const token = await logIn(app, 'ada')
      const later = Date.now() + 40_000
      const clock = jest.spyOn(Date, 'now').mockImplementation(() => later)
      try {
        await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
      } finally {
        clock.mockRestore()
      }
      expect(seen[1]).toMatchObject({
        event: 'renew',
        payload: { userId: 'ada', expiresAt: new Date(later + 60_000) }
      })
    })

    it('keeps serving the request when a listener throws or rejects, and reports it as a process warning', async () => {
      const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
      try {
        middleware.on('logIn', () => {
          throw new Error('mailer down')
        })
        middleware.on('logIn', async () => {
          throw new Error('audit log down')
        })
        const token = await logIn(app, 'ada')
        await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
        await new Promise(setImmediate)
        const messages = warnings.mock.calls.map(([message]) => String(message))
        expect(messages).toEqual([
          "a 'logIn' listener failed: mailer down",
          "a 'logIn' listener failed: audit log down"
        ])
        // The listeners added first still ran.
        expect(seen[0].event).toBe('logIn')
      } finally {
        warnings.mockRestore()
      }
    })
  })
})

describe.each(expressVersions)("'engineError' (%s)", (_version, express) => {
  it('tells the listeners, with the request, and the request still gets the error handler', async () => {
    const engine = failingEngine(['get'])
    const middleware = session({ engine })
    const seen = record(middleware)
    const log = { errors: [] as unknown[] }
    const app = createApp(express, { engine }, log, middleware)
    const token = 'a'.repeat(43)
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(503)
    expect(log.errors).toHaveLength(1)
    expect(seen).toHaveLength(1)
    expect(seen[0].event).toBe('engineError')
    const payload = seen[0].payload as SessionEventMap['engineError']
    expect(payload.error).toBeInstanceOf(SessionEngineError)
    expect(payload.error).toBe(log.errors[0])
    expect(payload.request?.url).toBe('/me')
  })

  it('tells the listeners of a failing operation, which still rejects to the app', async () => {
    const engine = failingEngine(['set'])
    const middleware = session({ engine })
    const seen = record(middleware)
    const log = { errors: [] as unknown[] }
    const app = createApp(express, { engine }, log, middleware)
    await supertest(app).post('/login').send({ userId: 'ada' }).expect(503)
    expect(seen.map((entry) => entry.event)).toEqual(['engineError'])
    expect(log.errors[0]).toBe((seen[0].payload as SessionEventMap['engineError']).error)
  })
})

describe('middleware.on()', () => {
  it('returns the middleware, for chaining', () => {
    const middleware = session()
    expect(middleware.on('logIn', () => undefined).on('logOut', () => undefined)).toBe(middleware)
  })

  it('refuses a listener that is not a function with a TypeError', () => {
    expect(() => session().on('logIn', 'nope' as never)).toThrow(/'logIn' listener must be a function/)
  })
})
