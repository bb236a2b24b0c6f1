import type { Express } from 'express'
import { inspect } from 'node:util'
import supertest from 'supertest'
import { MemoryEngine, session, type SessionEventMap, type SessionOptions } from '../../src'
import { MapEngine } from '../fixtures/thirdPartyEngine'
import { createApp, expressVersions, logIn } from '../support/app'

/** A token-registry engine that cannot expire entries: the core meets expired sessions and ends them. */
class NeverExpiringEngine extends MapEngine {
  protected override live(token: string) {
    return this.rows.get(token)
  }
}

/** A memory engine whose lookups fail once `down` is set: an outage after the log in. */
class OutageEngine extends MemoryEngine {
  down = false
  override get(token: string) {
    if (this.down) throw new Error('engine unreachable')
    return super.get(token)
  }
}

const MINUTE = 60_000
const EVENTS = [
  'logIn',
  'logOut',
  'revoke',
  'renew',
  'engineError',
  'invalidToken',
  'expired',
  'crossSiteRefused',
  'rotate',
  'tokenReuse'
] as const satisfies ReadonlyArray<keyof SessionEventMap>

type EventName = (typeof EVENTS)[number]
type Heard = { name: EventName; event: SessionEventMap[EventName] }

/** The token in both the cookie and the `Authorization` header (or another token in the header). */
const carrying = (token: string, inHeader = token) => ({
  Cookie: `session=${token}`,
  Authorization: `Bearer ${inHeader}`
})

/** The three ways an app's logger most often prints an event. */
const printings = (event: object): string[] => [
  JSON.stringify(event),
  inspect(event),
  inspect(event, { depth: Infinity })
]

describe.each(expressVersions)('the request of every event, on %s', (_version, express) => {
  let now: number
  let heard: Heard[]
  let engines: MemoryEngine[]
  beforeEach(() => {
    engines = []
    now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
  })
  afterEach(() => {
    jest.restoreAllMocks()
    for (const engine of engines) engine.release()
  })

  /** A memory engine released after the test. */
  function memory<T extends MemoryEngine>(engine: T = new MemoryEngine() as T): T {
    engines.push(engine)
    return engine
  }

  /** A test app over `options` whose middleware records every event. */
  function app(options: SessionOptions): Express {
    heard = []
    const middleware = session(options)
    for (const name of EVENTS) middleware.on(name, (event) => void heard.push({ name, event }))
    return createApp(express, undefined, undefined, middleware)
  }

  /**
   * The events named `name`: each has the request it came from (at `url`, with its headers), and none
   * prints it, a token or a header value when logged.
   */
  function expectHidden(name: EventName, url: string, tokens: string[]): void {
    const events = heard.filter((entry) => entry.name === name).map((entry) => entry.event)
    expect(events.length).toBeGreaterThan(0)
    for (const event of events) {
      expect(event.request?.url).toBe(url)
      expect(event.request?.headers.authorization).toMatch(/^Bearer /)
      expect(Object.keys(event)).not.toContain('request')
      expect({ ...event }).not.toHaveProperty('request')
    }
    const secrets = tokens.flatMap((token) => [token, `session=${token}`, `Bearer ${token}`])
    for (const { event } of heard) {
      for (const printed of printings(event)) {
        for (const secret of secrets) expect(printed).not.toContain(secret)
      }
    }
  }

  it("'logIn' over a session the request came with", async () => {
    const served = app({ engine: memory() })
    const old = await logIn(served, 'ada')
    heard = []
    const response = await supertest(served).post('/login').set(carrying(old)).send({ userId: 'ada' }).expect(200)
    expectHidden('logIn', '/login', [old, response.body.token])
  })

  it("'logOut' and 'revoke'", async () => {
    const served = app({ engine: memory() })
    const token = await logIn(served, 'ada')
    const other = await logIn(served, 'ada')
    await supertest(served).post('/logout-others').set(carrying(token)).expect(204)
    expectHidden('revoke', '/logout-others', [token, other])
    await supertest(served).post('/logout').set(carrying(token)).expect(200)
    expectHidden('logOut', '/logout', [token, other])
  })

  it("'renew'", async () => {
    const served = app({ engine: memory(), idleTimeout: 10 * MINUTE })
    const token = await logIn(served)
    now += 6 * MINUTE
    await supertest(served).get('/me').set(carrying(token)).expect(200)
    expectHidden('renew', '/me', [token])
  })

  it("'engineError'", async () => {
    const engine = memory(new OutageEngine())
    const served = app({ engine })
    const token = await logIn(served)
    engine.down = true
    await supertest(served).get('/me').set(carrying(token)).expect(503)
    expectHidden('engineError', '/me', [token])
  })

  it("'invalidToken': the token of an ended session", async () => {
    const served = app({ engine: memory() })
    const token = await logIn(served)
    await supertest(served).post('/logout').set(carrying(token)).expect(200)
    await supertest(served).get('/me').set(carrying(token)).expect(401)
    expect(heard.filter((entry) => entry.name === 'invalidToken')).toHaveLength(2)
    expectHidden('invalidToken', '/me', [token])
  })

  it("'expired'", async () => {
    const served = app({ engine: new NeverExpiringEngine(), idleTimeout: 10 * MINUTE })
    const token = await logIn(served)
    now += 10 * MINUTE
    await supertest(served).get('/me').set(carrying(token)).expect(401)
    expectHidden('expired', '/me', [token])
  })

  it("'crossSiteRefused': a refused cookie and a refused log in", async () => {
    const served = app({ engine: memory() })
    const forged = { Origin: 'https://evil.example/', 'Sec-Fetch-Site': 'cross-site' }
    const ended = await logIn(served, 'ada')
    await supertest(served).post('/logout').set(carrying(ended)).expect(200)
    const live = await logIn(served, 'ada')
    // An ended token in the header: the cookie is tried next, and refused.
    await supertest(served)
      .post('/me')
      .set({ ...carrying(live, ended), ...forged })
    expectHidden('crossSiteRefused', '/me', [live, ended])
    heard = []
    await supertest(served)
      .post('/login')
      .set({ ...carrying(live), ...forged })
      .send({ userId: 'mallory' })
    expect(heard.map((entry) => entry.name)).toContain('crossSiteRefused')
    expectHidden('crossSiteRefused', '/login', [live])
  })

  it("'rotate' and 'tokenReuse'", async () => {
    const served = app({ engine: memory(), rotateAfter: 5 * MINUTE, rotationGrace: 10_000 })
    const token = await logIn(served)
    now += 5 * MINUTE
    const rotated = await supertest(served).get('/me').set(carrying(token)).expect(200)
    const successor = String(rotated.headers.authorization).replace(/^bearer /i, '')
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expectHidden('rotate', '/me', [token, successor])
    now += 11_000
    await supertest(served).get('/me').set(carrying(token)).expect(401)
    expectHidden('tokenReuse', '/me', [token, successor])
  })
})
