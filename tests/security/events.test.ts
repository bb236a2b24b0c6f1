import { inspect } from 'node:util'
import supertest from 'supertest'
import { MemoryEngine, session, type CrossSiteRefusedEvent, type ExpiredEvent, type InvalidTokenEvent } from '../../src'
import { MapEngine } from '../fixtures/thirdPartyEngine'
import { createApp, expressVersions, logIn } from '../support/app'

/** A token-registry engine that cannot expire entries: the core meets expired sessions and ends them. */
class NeverExpiringEngine extends MapEngine {
  protected override live(token: string) {
    return this.rows.get(token)
  }
}

const MINUTE = 60_000

/** Everything the events carry, as a logger would print them: JSON and `util.inspect`, request included. */
const printed = (events: object[]): string =>
  [JSON.stringify(events), inspect(events), inspect(events, { depth: Infinity })].join('\n')

describe.each(expressVersions)('security events on %s', (_version, express) => {
  let engine: MemoryEngine
  let now: number
  beforeEach(() => {
    engine = new MemoryEngine()
    now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
  })
  afterEach(() => {
    jest.restoreAllMocks()
    engine.release()
  })

  it("'invalidToken': a malformed and an unknown token, with the IP, never the token", async () => {
    const events: InvalidTokenEvent[] = []
    const app = createApp(
      express,
      undefined,
      undefined,
      session({ engine }).on('invalidToken', (e) => void events.push(e))
    )
    const unknown = 'B'.repeat(43)
    await supertest(app).get('/me').set('Authorization', `Bearer ${unknown}`).expect(401)
    await supertest(app).get('/me').set('Cookie', 'session=not*a*token').expect(401)
    await supertest(app).get('/me').set('Authorization', 'Bearer *').expect(401)
    expect(events).toMatchObject([
      { reason: 'unknown', transport: 'bearer', ip: expect.stringMatching(/127\.0\.0\.1/) },
      { reason: 'malformed', transport: 'cookie' },
      { reason: 'malformed', transport: 'bearer' }
    ])
    expect(printed(events)).not.toContain(unknown)
    expect(printed(events)).not.toContain('not*a*token')
  })

  it("'expired': an idle and an absolute timeout, with the session id, never the token", async () => {
    const events: ExpiredEvent[] = []
    const keeping = new NeverExpiringEngine()
    const middleware = session({ engine: keeping, idleTimeout: 10 * MINUTE, absoluteTimeout: 15 * MINUTE }).on(
      'expired',
      (e) => void events.push(e)
    )
    const app = createApp(express, undefined, undefined, middleware)
    const idle = await logIn(app, 'ada')
    now += 10 * MINUTE
    await supertest(app).get('/me').set('Authorization', `Bearer ${idle}`).expect(401)
    const active = await logIn(app, 'grace')
    for (let minute = 0; minute < 15; minute += 4) {
      await supertest(app).get('/me').set('Authorization', `Bearer ${active}`).expect(200)
      now += 4 * MINUTE
    }
    await supertest(app).get('/me').set('Authorization', `Bearer ${active}`).expect(401)
    expect(events).toMatchObject([
      { userId: 'ada', timeout: 'idle', sessionId: expect.any(String) },
      { userId: 'grace', timeout: 'absolute' }
    ])
    expect(printed(events)).not.toContain(idle)
    expect(printed(events)).not.toContain(active)
  })

  it("'crossSiteRefused': a refused cookie and a refused log in, with the reason, never a header", async () => {
    const events: CrossSiteRefusedEvent[] = []
    const app = createApp(
      express,
      undefined,
      undefined,
      session({ engine }).on('crossSiteRefused', (e) => void events.push(e))
    )
    const token = await logIn(app)
    const forged = { Origin: 'https://evil.example/', 'Sec-Fetch-Site': 'cross-site' }
    await supertest(app)
      .post('/me')
      .set({ Cookie: `session=${token}`, ...forged })
    await supertest(app).post('/login').set(forged).send({ userId: 'mallory' })
    await supertest(app)
      .post('/me')
      .set({ Cookie: `session=${token}`, Referer: 'https://evil.example/path?secret=1' })
    expect(events).toMatchObject([
      { reason: 'cross-site', action: 'session', reportOnly: false, origin: 'https://evil.example', method: 'POST' },
      { reason: 'cross-site', action: 'logIn', reportOnly: false },
      { reason: 'foreign-referer', action: 'session', origin: 'https://evil.example' }
    ])
    expect(printed(events)).not.toContain(token)
    expect(printed(events)).not.toContain('secret')
  })
})
