import type { Request, Response } from 'express'
import supertest from 'supertest'
import { injectSession, MemoryEngine, SessionEngineError, type SessionEngine } from '../../src'
import { bearer, createApp, expressVersions, logIn } from '../support/app'
import { failingEngine } from '../support/engines'

describe.each(expressVersions)('engine failures on %s', (_version, express) => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeAll(() => process.on('unhandledRejection', onUnhandled))
  afterAll(() => process.off('unhandledRejection', onUnhandled))
  beforeEach(() => {
    unhandled.length = 0
  })

  describe.each(['throw', 'reject'] as const)('when the engine methods %s', (how) => {
    it('sends a lookup failure to the error handler exactly once', async () => {
      const engine = failingEngine(['get'], how)
      const log = { errors: [] as unknown[] }
      const app = createApp(express, { engine }, log)
      const response = await supertest(app)
        .get('/me')
        .set('Authorization', bearer('A'.repeat(43)))
        .expect(503)
      expect(response.body.error).toBe('SessionEngineError')
      expect(log.errors).toHaveLength(1)
      const error = log.errors[0] as SessionEngineError
      expect(error).toBeInstanceOf(SessionEngineError)
      expect(error.status).toBe(503)
      expect((error.cause as Error).message).toBe('store unreachable during get')
      expect(error.message).not.toContain('A'.repeat(43))
      engine.inner.release()
    })

    it('sends an access-tracking write failure to the error handler', async () => {
      const engine = failingEngine(['update'], how)
      const log = { errors: [] as unknown[] }
      const app = createApp(express, { engine, trackSessionAccess: true }, log)
      const token = await logIn(app)
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(503)
      expect(log.errors).toHaveLength(1)
      engine.inner.release()
    })

    it('sends a logIn failure to the error handler', async () => {
      const engine = failingEngine(['set'], how)
      const log = { errors: [] as unknown[] }
      await supertest(createApp(express, { engine }, log))
        .post('/login')
        .send({ userId: 'ada' })
        .expect(503)
      expect(log.errors[0]).toBeInstanceOf(SessionEngineError)
      engine.inner.release()
    })
  })

  afterEach(() => {
    expect(unhandled).toEqual([])
  })

  it('retries a failed engine preparation on the next request, and recovers', async () => {
    const inner = new MemoryEngine()
    let down = true
    const engine: SessionEngine = {
      prepare: async () => {
        if (down) throw new Error('connection refused')
      },
      get: (token) => inner.get(token),
      set: (token, category, subject) => inner.set(token, category, subject),
      getAll: (category) => inner.getAll(category),
      delete: (token) => inner.delete(token),
      clear: () => inner.clear()
    }
    const log = { errors: [] as unknown[] }
    const app = createApp(express, { engine }, log)
    await supertest(app).post('/login').send({ userId: 'ada' }).expect(503)
    expect((log.errors[0] as Error).message).toContain('connection refused')
    down = false
    const token = await logIn(app)
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
    inner.release()
  })

  it('makes injectSession() reject', async () => {
    const engine = failingEngine(['get'])
    const outcome: unknown[] = []
    const app = express()
    const options = { engine }
    app.use(async (request: Request, response: Response) => {
      try {
        await injectSession(request, response, options)
        outcome.push('resolved')
      } catch (error) {
        outcome.push(error)
      }
      response.end()
    })
    await supertest(app)
      .get('/')
      .set('Authorization', bearer('A'.repeat(43)))
    expect(outcome[0]).toBeInstanceOf(SessionEngineError)
    engine.inner.release()
  })

  it('reports an engine name that cannot be loaded when the middleware is built', () => {
    expect(() => createApp(express, { engine: 'definitely-not-installed' })).toThrow(TypeError)
  })
})
