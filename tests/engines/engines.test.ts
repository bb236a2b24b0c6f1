import { MemoryEngine as RegistryMemoryEngine } from '@universal-packages/token-registry'
import supertest from 'supertest'
import { MemoryEngine, session, Session } from '../../src'
import { getSharedMemoryEngine, resolveEngine } from '../../src/resolveEngine'
import { bearer, createApp, expressVersions, logIn } from '../support/app'

describe.each(expressVersions)('a token-registry engine on %s', (_version, express) => {
  // The upstream engine: no update(), no deleteAll(), no expiry of its own.
  let engine: RegistryMemoryEngine
  beforeEach(() => {
    engine = new RegistryMemoryEngine()
  })

  it('runs the whole flow', async () => {
    const app = createApp(express, { engine, trackSessionAccess: true })
    const first = await logIn(app, 'ada')
    const second = await logIn(app, 'ada')
    await supertest(app).get('/me').set('Authorization', bearer(first)).expect(200)
    await supertest(app).post('/device').set('Authorization', bearer(first)).send({ deviceId: 'd' }).expect(200)
    expect(Object.keys((await supertest(app).get('/sessions').set('Authorization', bearer(first))).body)).toHaveLength(
      2
    )
    await supertest(app).post('/logout-others').set('Authorization', bearer(first)).expect(204)
    await supertest(app).get('/me').set('Authorization', bearer(second)).expect(401)
    await Session.logOutAll('ada', { engine })
    await supertest(app).get('/me').set('Authorization', bearer(first)).expect(401)
  })

  it('gets expiry from the core, and its expired entries are cleaned when listed', async () => {
    let now = Date.now()
    jest.spyOn(Date, 'now').mockImplementation(() => now)
    const app = createApp(express, { engine, idleTimeout: 60_000 })
    const stale = await logIn(app, 'ada')
    now += 30_000
    const fresh = await logIn(app, 'ada')
    now += 31_000
    await supertest(app).get('/me').set('Authorization', bearer(stale)).expect(401)
    expect(Object.keys(engine.getAll('auth-ada'))).toHaveLength(1)
    now += 10_000
    const listed = await supertest(app).get('/sessions').set('Authorization', bearer(fresh)).expect(200)
    expect(Object.keys(listed.body)).toHaveLength(1)
    jest.restoreAllMocks()
  })

  it('never brings back a session deleted before a tracking write (update falls back to get + set)', async () => {
    const app = createApp(express, { engine, trackSessionAccess: true })
    const token = await logIn(app, 'ada')
    await Session.logOutAll('ada', { engine })
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
    expect(engine.getAll('auth-ada')).toEqual({})
  })
})

describe('engine names', () => {
  it("'memory' is one process-wide MemoryEngine", () => {
    expect(resolveEngine('memory', undefined)).toBe(getSharedMemoryEngine())
    expect(getSharedMemoryEngine()).toBeInstanceOf(MemoryEngine)
  })

  it("'memory' with engineOptions is a MemoryEngine of its own", () => {
    const engine = resolveEngine('memory', { maxSessions: 10 })
    expect(engine).toBeInstanceOf(MemoryEngine)
    expect(engine).not.toBe(getSharedMemoryEngine())
  })

  it('the default engine shares sessions across middlewares', async () => {
    const { default: express } = await import('express')
    const [first, second] = [createApp(express), createApp(express)]
    const token = await logIn(first, 'shared-user')
    await supertest(second).get('/me').set('Authorization', bearer(token)).expect(200)
    expect(Object.keys(await Session.activeSessions('shared-user'))).toHaveLength(1)
    await Session.logOutAll('shared-user')
    await supertest(first).get('/me').set('Authorization', bearer(token)).expect(401)
  })

  describe('the middleware release()', () => {
    afterEach(() => jest.restoreAllMocks())

    it('leaves an engine the app passed in alone', async () => {
      const engine = new MemoryEngine()
      const release = jest.spyOn(engine, 'release')
      await session({ engine }).release()
      expect(release).not.toHaveBeenCalled()
    })

    it("leaves the shared 'memory' engine alone", async () => {
      const release = jest.spyOn(getSharedMemoryEngine(), 'release')
      await session().release()
      expect(release).not.toHaveBeenCalled()
    })

    it('releases an engine it built from a name and options', async () => {
      const release = jest.spyOn(MemoryEngine.prototype, 'release')
      await session({ engine: 'memory', engineOptions: { maxSessions: 5 } }).release()
      expect(release).toHaveBeenCalledTimes(1)
    })

    it('reports an engine that fails to close', async () => {
      jest.spyOn(MemoryEngine.prototype, 'release').mockImplementation(() => {
        throw new Error('busy')
      })
      const middleware = session({ engine: 'memory', engineOptions: {} })
      await middleware.ready()
      await expect(middleware.release()).rejects.toThrow('busy')
    })
  })
})
