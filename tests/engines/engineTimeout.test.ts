import supertest from 'supertest'
import {
  MemoryEngine,
  SessionEngineError,
  SessionEngineTimeoutError,
  session,
  type EngineSubject,
  type SessionEngine
} from '../../src'
import { isPending } from '../../src/maybe'
import { SessionStore } from '../../src/store'
import { MapEngine } from '../fixtures/thirdPartyEngine'
import { bearer, createApp, expressVersions, logIn, type ErrorLog } from '../support/app'

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

/** A third-party engine that works until told to hang: from then on each call named never settles. */
class HangingEngine extends MapEngine {
  readonly hung = new Set<string>()

  override async get(token: string): Promise<EngineSubject | undefined> {
    return this.hung.has('get') ? never() : super.get(token)
  }

  override async set(token: string, category: string, subject: EngineSubject): Promise<void> {
    return this.hung.has('set') ? never() : super.set(token, category, subject)
  }
}

// A short deadline keeps the file fast; what is checked is the outcome, never how long it took.
const DEADLINE_MS = 50

describe.each(expressVersions)('engineTimeout on %s', (_version, express) => {
  it('answers through the error handler with a SessionEngineTimeoutError when get() never settles', async () => {
    const engine = new HangingEngine()
    const log: ErrorLog = { errors: [] }
    const app = createApp(express, { engine, engineTimeout: DEADLINE_MS }, log)
    const token = await logIn(app, 'ada')
    engine.hung.add('get')
    await supertest(app)
      .get('/me')
      .set('Authorization', bearer(token))
      .expect(503, { error: 'SessionEngineTimeoutError' })
    expect(log.errors).toHaveLength(1)
    const [error] = log.errors
    expect(error).toBeInstanceOf(SessionEngineTimeoutError)
    expect(error).toBeInstanceOf(SessionEngineError)
    expect(error).toMatchObject({ code: 'ESR_ENGINE_TIMEOUT', status: 503, statusCode: 503, timeoutMs: DEADLINE_MS })
    expect((error as Error).message).toMatch(/read the session.*engineTimeout \(50 ms\)/)
  })

  it('fails a log in whose set() never settles, with no session started', async () => {
    const engine = new HangingEngine()
    const log: ErrorLog = { errors: [] }
    const app = createApp(express, { engine, engineTimeout: DEADLINE_MS }, log)
    engine.hung.add('set')
    const response = await supertest(app).post('/login').send({ userId: 'ada' }).expect(503)
    expect(response.headers['set-cookie']).toBeUndefined()
    expect(log.errors[0]).toBeInstanceOf(SessionEngineTimeoutError)
  })

  it('fails a request whose engine never finishes prepare(), and tries again on the next one', async () => {
    let prepared = 0
    const engine: SessionEngine = Object.assign(new MapEngine(), {
      prepare: () => (++prepared === 1 ? never<void>() : undefined)
    })
    const log: ErrorLog = { errors: [] }
    const app = createApp(express, { engine, engineTimeout: DEADLINE_MS }, log)
    await supertest(app).post('/login').send({ userId: 'ada' }).expect(503)
    expect(log.errors[0]).toMatchObject({ code: 'ESR_ENGINE_TIMEOUT', message: expect.stringMatching(/connect/) })
    const token = await logIn(app, 'ada')
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
  })
})

describe('the engineTimeout option', () => {
  it.each([-1, 1.5, '5000', Number.NaN, 2 ** 31, null])('refuses %p with a TypeError naming it', (value) => {
    expect(() => session({ engineTimeout: value as number })).toThrow(TypeError)
    expect(() => session({ engineTimeout: value as number })).toThrow(/option "engineTimeout" must be a whole number/)
  })

  it.each([0, Infinity])('takes %p as no deadline: a slow engine is waited for', async (engineTimeout) => {
    const engine = new HangingEngine()
    const app = createApp(expressVersions[1][1], { engine, engineTimeout })
    const token = await logIn(app, 'ada')
    let release: () => void = () => undefined
    const slow = new Promise<void>((resolve) => {
      release = resolve
    })
    const get = engine.get.bind(engine)
    engine.get = async (hash) => {
      await slow
      return get(hash)
    }
    const request = supertest(app)
      .get('/me')
      .set('Authorization', bearer(token))
      .then((response) => response.status)
    setTimeout(release, 2 * DEADLINE_MS)
    expect(await request).toBe(200)
  })

  it('leaves a synchronous engine synchronous: its answers never wait for a timer', async () => {
    const store = new SessionStore(new MemoryEngine(), { timeoutMs: DEADLINE_MS })
    await store.list('auth-nobody')
    const found = store.find('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect(isPending(found)).toBe(false)
    expect(found).toBeUndefined()
  })
})
