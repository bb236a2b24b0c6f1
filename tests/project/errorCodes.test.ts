import express from 'express'
import supertest from 'supertest'
import { MemoryEngine, readSession, session, SessionEngineError, SessionError, type SessionOptions } from '../../src'
import { RedisEngine } from '../../src/redis'
import type { SessionEngine } from '../../src/engine'

/** An engine whose every call fails, as an unreachable store does. */
function downEngine(): SessionEngine {
  const fail = () => Promise.reject(new Error('connection refused'))
  return { get: fail, set: fail, getAll: fail, delete: fail, clear: fail }
}

/** What the app's error handler receives for a request to `route` (`null` when nothing failed). */
async function errorOf(options: SessionOptions, route: express.RequestHandler, token?: string) {
  let caught: unknown = null
  const app = express()
  app.use(session(options))
  app.get('/', route)
  app.use((error: unknown, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
    caught = error
    response.status(503).end()
  })
  const request = supertest(app).get('/')
  await (token ? request.set('Authorization', `Bearer ${token}`) : request)
  return caught
}

describe('every error has a stable code', () => {
  it('ESR_ENGINE_UNAVAILABLE: an engine failure reaches the error handler as a SessionEngineError', async () => {
    const error = await errorOf({ engine: downEngine() }, (_request, response) => void response.end(), 'a'.repeat(43))
    expect(error).toBeInstanceOf(SessionEngineError)
    expect(error).toMatchObject({ code: 'ESR_ENGINE_UNAVAILABLE', status: 503 })
  })

  it('ESR_SESSION_NO_RESPONSE: logIn() on a session read without a response', async () => {
    const error = await errorOf({}, async (request, response, next) => {
      try {
        await (await readSession(request)).logIn('ada')
        response.end()
      } catch (failure) {
        next(failure)
      }
    })
    expect(error).toBeInstanceOf(SessionError)
    expect(error).toMatchObject({ code: 'ESR_SESSION_NO_RESPONSE' })
  })

  it('ESR_SESSION: a SessionError given no code', () => {
    expect(new SessionError('custom')).toMatchObject({ code: 'ESR_SESSION', message: 'custom' })
  })

  it.each<[string, () => unknown]>([
    ['an invalid session() option', () => session({ cookieName: 'a b' })],
    ['an unknown session() option', () => session({ cookiename: 'sid' } as SessionOptions)],
    ["express-session's option name", () => session({ secret: 'x' } as SessionOptions)],
    ["connect-redis's option name", () => new RedisEngine({ prefix: 'sess:' } as never)],
    ['an invalid RedisEngine option', () => new RedisEngine({ expireAfter: -1 })],
    ['an invalid MemoryEngine option', () => new MemoryEngine({ maxSessions: 0 })]
  ])('ESR_INVALID_OPTION: %s is a TypeError naming the option', (_case, build) => {
    let thrown: unknown
    try {
      build()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown).toMatchObject({ code: 'ESR_INVALID_OPTION', message: expect.stringMatching(/option "/) })
  })

  it('ESR_INVALID_ARGUMENT: bad input to a session method or a listener', async () => {
    const codes: unknown[] = []
    const middleware = session()
    try {
      middleware.on('logIn', 'not a function' as never)
    } catch (error) {
      codes.push(error instanceof TypeError && (error as TypeError & { code: string }).code)
    }
    const app = express()
    app.use(middleware)
    app.get('/', async (request, response) => {
      for (const attempt of [
        () => request.session.logIn(''),
        () => request.session.logIn('ada', { data: { value: () => 1 } as never }),
        () => request.session.updateDeviceId(5 as never)
      ]) {
        await attempt().catch((error: TypeError & { code?: string }) =>
          codes.push(error instanceof TypeError && error.code)
        )
      }
      response.end()
    })
    await supertest(app).get('/').expect(200)
    expect(codes).toEqual([
      'ESR_INVALID_ARGUMENT',
      'ESR_INVALID_ARGUMENT',
      'ESR_INVALID_ARGUMENT',
      'ESR_INVALID_ARGUMENT'
    ])
  })
})
