import { session, SessionEngineError } from '../../src'
import type { SessionEngine } from '../../src'
import { freePort, RedisServer } from '../support/redisServer'

let redis: RedisServer
let closedPort: number

beforeAll(async () => {
  redis = await RedisServer.start()
  closedPort = await freePort()
})

afterAll(async () => {
  await redis.stop()
})

async function startFailure(middleware: { ready(): Promise<void> }): Promise<SessionEngineError> {
  const failure: unknown = await middleware.ready().then(
    () => undefined,
    (error: unknown) => error
  )
  expect(failure).toBeInstanceOf(SessionEngineError)
  return failure as SessionEngineError
}

describe('middleware.ready()', () => {
  it('resolves once a Redis engine given by name answers', async () => {
    const middleware = session({ engine: 'redis', engineOptions: { url: `redis://127.0.0.1:${redis.port}` } })
    await expect(middleware.ready()).resolves.toBeUndefined()
    await middleware.release()
  })

  it('resolves at once on the memory engine', async () => {
    await expect(session().ready()).resolves.toBeUndefined()
  })

  describe('with a Redis port nothing listens on', () => {
    it('rejects naming engineOptions.url and the address, without the credentials', async () => {
      const middleware = session({
        engine: 'redis',
        engineOptions: { url: `redis://ada:s3cret-pass@127.0.0.1:${closedPort}/2` }
      })
      const error = await startFailure(middleware)
      expect(error.code).toBe('ESR_ENGINE_UNAVAILABLE')
      expect(error.message).toContain('session engine failed to start')
      expect(error.message).toContain('"engine": "redis"')
      expect(error.message).toContain(`"engineOptions.url": redis://127.0.0.1:${closedPort}/2`)
      expect(error.message).not.toContain('s3cret-pass')
      expect(error.message).not.toContain('ada')
      expect((error.cause as Error).message).toContain('ECONNREFUSED')
      await expect(middleware.release()).resolves.toBeUndefined()
    })

    it('lets release() resolve even when ready() was never called', async () => {
      const middleware = session({ engine: 'redis', engineOptions: { url: `redis://127.0.0.1:${closedPort}` } })
      await expect(middleware.release()).resolves.toBeUndefined()
    })
  })

  describe('with a URL that is not a Redis URL', () => {
    it('rejects with the option check as its cause', async () => {
      const middleware = session({ engine: 'redis', engineOptions: { url: 'http://127.0.0.1:6379' } })
      const error = await startFailure(middleware)
      expect(error.cause).toBeInstanceOf(TypeError)
      expect((error.cause as Error).message).toContain('option "url" must be a Redis URL')
      expect(error.message).toContain('"engineOptions.url": http://127.0.0.1:6379')
      await expect(middleware.release()).resolves.toBeUndefined()
    })
  })

  describe('with an engine object that fails to prepare', () => {
    const refusing: SessionEngine = {
      prepare: () => Promise.reject(new Error('no route to the store')),
      clear: () => undefined,
      get: () => undefined,
      set: () => undefined,
      getAll: () => ({}),
      delete: () => undefined
    }

    it('rejects naming the engine option and the engine failure', async () => {
      const error = await startFailure(session({ engine: refusing }))
      expect(error.message).toContain('no route to the store')
      expect(error.message).toContain('check option "engine"')
    })
  })

  describe('with an engine whose reads fail', () => {
    it('rejects: preparing is not enough, the engine must answer', async () => {
      const failingReads: SessionEngine = {
        clear: () => undefined,
        get: () => Promise.reject(new Error('READONLY')),
        set: () => undefined,
        getAll: () => ({}),
        delete: () => undefined
      }
      const error = await startFailure(session({ engine: failingReads }))
      expect((error.cause as Error).message).toBe('READONLY')
    })
  })
})
