import type { ErrorRequestHandler, Express, Request, Response } from 'express'
import { createServer } from 'node:net'
import supertest from 'supertest'
import {
  authenticateRequest,
  MemoryEngine,
  requireRecentLogin,
  requireSession,
  session,
  SessionEngineError,
  type EngineSubject,
  type SessionEngine,
  type SessionOptions
} from '../../src'
import { RedisEngine } from '../../src/redis'
import { bearer, expressVersions } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

type ExpressFactory = (typeof expressVersions)[number][1]

/**
 * An app with no `app.use(session())`: `requireSession()` on the routes that need a session, a log in
 * route that builds its session with `session()` on the same options, and an error handler that answers
 * 503 with the error's name and records it.
 */
function guardedApp(express: ExpressFactory, options: SessionOptions, errors: unknown[] = []): Express {
  const app = express()
  app.use(express.json())
  app.post('/login', session(options), (request: Request, response: Response, next: (error: unknown) => void) => {
    request.session
      .logIn(request.body.userId)
      .then(() => response.json({ token: request.session.token }))
      .catch(next)
  })
  app.get('/me', requireSession(options), (request: Request, response: Response) => {
    response.json({ userId: request.session.authenticatableId, authenticated: request.session.authenticated })
  })
  app.get('/public', (request: Request, response: Response) => {
    response.json({ session: request.session === undefined ? 'none' : 'set' })
  })
  const onError: ErrorRequestHandler = (error, _request, response, _next) => {
    errors.push(error)
    response.status(503).json({ error: (error as Error).name })
  }
  app.use(onError)
  return app
}

async function logIn(app: Express, userId = 'ada'): Promise<{ token: string; cookie: string }> {
  const response = await supertest(app).post('/login').send({ userId }).expect(200)
  const cookies = response.headers['set-cookie'] as unknown as string[]
  return { token: response.body.token as string, cookie: cookies[0].split(';')[0] }
}

/** The matrix engine with `get` failing, by throwing or by rejecting: an engine down mid-request. */
function failingGet(inner: SessionEngine, how: 'throw' | 'reject'): SessionEngine {
  const fail = () => {
    const error = new Error('store unreachable during get')
    if (how === 'throw') throw error
    return Promise.reject(error)
  }
  return {
    get: fail,
    set: (token: string, category: string, subject: EngineSubject) => inner.set(token, category, subject),
    getAll: (category: string) => inner.getAll(category),
    delete: (token: string, category: string) => inner.delete(token, category),
    clear: () => inner.clear()
  }
}

const engines = engineMatrix()

describe.each(engines)('requireSession() on the $name engine', ({ engine }) => {
  describe.each(expressVersions)('%s', (_version, express) => {
    let app: Express
    let options: SessionOptions
    beforeAll(() => {
      options = { engine: engine() }
      app = guardedApp(express, options)
    })

    it('answers 401 with WWW-Authenticate: Bearer to a request without a token', async () => {
      const response = await supertest(app).get('/me').expect(401)
      expect(response.headers['www-authenticate']).toBe('Bearer')
      expect(response.text).toBe('')
    })

    it('answers 401 to a token of no session and to a malformed one', async () => {
      await supertest(app)
        .get('/me')
        .set('Authorization', bearer('A'.repeat(43)))
        .expect(401)
      await supertest(app).get('/me').set('Authorization', 'Bearer not a token').expect(401)
      await supertest(app).get('/me').set('Cookie', 'session=%%%').expect(401)
    })

    it('loads the session itself and lets an authenticated request through, over Bearer and the cookie', async () => {
      const { token, cookie } = await logIn(app)
      await supertest(app)
        .get('/me')
        .set('Authorization', bearer(token))
        .expect(200, { userId: 'ada', authenticated: true })
      await supertest(app).get('/me').set('Cookie', cookie).expect(200, { userId: 'ada', authenticated: true })
    })

    it('leaves routes without the guard untouched', async () => {
      const { token } = await logIn(app)
      await supertest(app).get('/public').set('Authorization', bearer(token)).expect(200, { session: 'none' })
    })

    it('answers 401 once the session is logged out', async () => {
      const { token } = await logIn(app)
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
      const logout = express()
      logout.post('/logout', session(options), (request: Request, response: Response) => {
        void request.session.logOut().then((ended) => response.json({ ended }))
      })
      await supertest(logout).post('/logout').set('Authorization', bearer(token)).expect(200, { ended: true })
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
    })

    it('checks the session session() already set instead of loading another', async () => {
      const { token } = await logIn(app)
      // The guard's own options name an empty engine: only the session set before it knows the token.
      const layered = express()
      layered.use(session(options))
      layered.get('/me', requireSession({ engine: new MemoryEngine() }), (request: Request, response: Response) => {
        response.json({ userId: request.session.authenticatableId })
      })
      await supertest(layered).get('/me').set('Authorization', bearer(token)).expect(200, { userId: 'ada' })
      await supertest(layered).get('/me').expect(401)
    })

    it.each(['throw', 'reject'] as const)(
      'sends an engine failure (engine methods that %s) to the error handler as a 503, exactly once',
      async (how) => {
        const errors: unknown[] = []
        const broken = guardedApp(express, { engine: failingGet(engine(), how) }, errors)
        const response = await supertest(broken)
          .get('/me')
          .set('Authorization', bearer('A'.repeat(43)))
          .expect(503)
        expect(response.body.error).toBe('SessionEngineError')
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(SessionEngineError)
        expect((errors[0] as SessionEngineError).status).toBe(503)
        expect((errors[0] as Error).message).not.toContain('A'.repeat(43))
      }
    )
  })
})

describe.each(expressVersions)('requireSession() with Redis unreachable on %s', (_version, express) => {
  let port: number
  beforeAll(async () => {
    // A port nothing listens on: taken, then given back.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  })

  it('answers 503 through the error handler, and tells the engineError listeners of session() on the same options', async () => {
    const engine = new RedisEngine({ host: '127.0.0.1', port, commandTimeout: 200 })
    const options: SessionOptions = { engine }
    const reported: unknown[] = []
    session(options).on('engineError', ({ error }) => {
      reported.push(error)
    })
    const errors: unknown[] = []
    const app = express()
    app.get('/me', requireSession(options), (_request: Request, response: Response) => {
      response.json({ reached: true })
    })
    const onError: ErrorRequestHandler = (error, _request, response, _next) => {
      errors.push(error)
      response.status(503).json({ error: (error as Error).name })
    }
    app.use(onError)
    await supertest(app)
      .get('/me')
      .set('Authorization', bearer('A'.repeat(43)))
      .expect(503, { error: 'SessionEngineError' })
    expect(errors).toHaveLength(1)
    expect(reported).toEqual(errors)
    await engine.release()
  })
})

describe('requireSession() options', () => {
  it('throws a TypeError naming an invalid option when the guard is made', () => {
    expect(() => requireSession({ idleTimeout: -1 } as SessionOptions)).toThrow(/idleTimeout/)
    expect(() => requireSession({ idleTimeout: -1 } as SessionOptions)).toThrow(TypeError)
  })
})

describe.each(expressVersions)('the 401 of a guard on %s', (_version, express) => {
  const guardedRoutes = (options: SessionOptions): Express => {
    const app = express()
    app.get('/guard', requireSession(options), (_request: Request, response: Response) => response.end())
    app.use(session(options))
    app.get('/authenticate', authenticateRequest, (_request: Request, response: Response) => response.end())
    app.get('/recent', requireRecentLogin(60_000), (_request: Request, response: Response) => response.end())
    return app
  }

  it.each(['/guard', '/authenticate', '/recent'])('names Bearer on %s where Bearer tokens are read', async (path) => {
    const response = await supertest(guardedRoutes({ engine: new MemoryEngine() }))
      .get(path)
      .expect(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
  })

  it.each(['/guard', '/authenticate', '/recent'])('names no scheme on %s in a cookie-only app', async (path) => {
    const app = guardedRoutes({ engine: new MemoryEngine(), transports: ['cookie'] })
    const response = await supertest(app).get(path).expect(401)
    expect(response.headers['www-authenticate']).toBeUndefined()
  })

  it('answers 401 from requireRecentLogin() on an app with no session middleware', async () => {
    const app = express()
    app.get('/recent', requireRecentLogin(60_000), (_request: Request, response: Response) => response.end())
    const response = await supertest(app).get('/recent').expect(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
  })

  it("names Bearer when request.session is another library's object", async () => {
    const app = express()
    app.use((request: Request, _response: Response, next: () => void) => {
      Object.defineProperty(request, 'session', { value: { cookie: {}, authenticated: false } })
      next()
    })
    app.get('/authenticate', authenticateRequest, (_request: Request, response: Response) => response.end())
    const response = await supertest(app).get('/authenticate').expect(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
  })
})
