import supertest from 'supertest'
import type { EngineSubject } from '../../src'
import { bearer, createApp, expressVersions, logIn } from '../support/app'
import { CountingEngine, gate } from '../support/engines'

/** A counting engine whose next update() waits at a gate, so a test can run a logOut inside the gap. */
class HeldEngine extends CountingEngine {
  held: { reached: ReturnType<typeof gate>; release: ReturnType<typeof gate> } | undefined

  holdNextUpdate() {
    this.held = { reached: gate(), release: gate() }
    return this.held
  }

  override async update(token: string, category: string, subject: EngineSubject) {
    const held = this.held
    if (held) {
      this.held = undefined
      held.reached.open()
      await held.release.wait
    }
    return super.update(token, category, subject)
  }
}

describe.each(expressVersions)('a logOut racing with a session write on %s', (_version, express) => {
  let engine: HeldEngine
  beforeEach(() => {
    engine = new HeldEngine()
  })
  afterEach(() => {
    jest.restoreAllMocks()
    engine.release()
  })

  async function interleave(app: ReturnType<typeof createApp>, token: string) {
    const { reached, release } = engine.holdNextUpdate()
    // 1. A request reads the session and stops just before its write.
    const tracked = supertest(app)
      .get('/me')
      .set('Authorization', bearer(token))
      .then((response) => response)
    await reached.wait
    // 2. The session is logged out in that gap.
    await supertest(app).post('/logout').set('Authorization', bearer(token)).send({}).expect(200)
    expect(engine.inner.size).toBe(0)
    // 3. The held write goes on.
    release.open()
    return tracked
  }

  it('leaves the session gone when access tracking writes after it', async () => {
    const app = createApp(express, { engine, trackSessionAccess: true })
    const token = await logIn(app)
    const tracked = await interleave(app, token)
    expect(tracked.status).toBe(401)
    expect(engine.inner.size).toBe(0)
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
  })

  it('leaves the session gone when a sliding renewal writes after it', async () => {
    const app = createApp(express, { engine, idleTimeout: 60_000 })
    const token = await logIn(app)
    const start = Date.now()
    jest.spyOn(Date, 'now').mockImplementation(() => start + 45_000)
    const renewed = await interleave(app, token)
    expect(renewed.status).toBe(401)
    expect(engine.inner.size).toBe(0)
    await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
  })

  it('leaves the session gone when a device id is recorded after it', async () => {
    const app = createApp(express, { engine })
    const token = await logIn(app)
    const { reached, release } = engine.holdNextUpdate()
    const recording = supertest(app).post('/device').set('Authorization', bearer(token)).send({ deviceId: 'tablet' })
    const response = recording.then((result) => result)
    await reached.wait
    await supertest(app).post('/logout').set('Authorization', bearer(token)).send({}).expect(200)
    release.open()
    expect((await response).body.recorded).toBe(false)
    expect(engine.inner.size).toBe(0)
  })
})
