import express5 from 'express'
import { inspect } from 'node:util'
import supertest from 'supertest'
import { MemoryEngine, session, type SessionOptions } from '../../src'
import { createApp, expressVersions, logIn, sessionCookie } from '../support/app'

const MINUTE = 60_000

describe.each(expressVersions)('cookies and timeouts on %s', (_version, express) => {
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

  const logInResponse = (app: ReturnType<typeof createApp>, body: Record<string, unknown> = {}) =>
    supertest(app)
      .post('/login')
      .send({ userId: 'ada', ...body })
      .expect(200)

  describe('browser-session cookies', () => {
    it('persistentCookie: false sends a cookie without Max-Age or Expires; the idle timeout still ends the session', async () => {
      const app = createApp(express, { engine, persistentCookie: false, idleTimeout: 10 * MINUTE })
      const response = await logInResponse(app)
      const cookie = sessionCookie(response)!
      expect(cookie).not.toMatch(/Max-Age|Expires/i)
      now += 10 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${response.body.token}`).expect(401)
    })

    it('logIn(id, { persistent: false }) chooses per log in, and renewals keep the cookie a browser-session one', async () => {
      const app = createApp(express, { engine, idleTimeout: 10 * MINUTE, maxWriteInterval: MINUTE })
      const remembered = sessionCookie(await logInResponse(app, { persistent: true }))
      expect(remembered).toMatch(/Max-Age=600/)
      const response = await logInResponse(app, { persistent: false })
      expect(sessionCookie(response)).not.toMatch(/Max-Age|Expires/i)
      now += 2 * MINUTE
      const renewed = await supertest(app).get('/me').set('Cookie', `session=${response.body.token}`).expect(200)
      expect(renewed.body.expiresAt).toBe(new Date(now + 10 * MINUTE).toISOString())
      expect(sessionCookie(renewed) ?? '').not.toMatch(/Max-Age|Expires/i)
    })

    it('logIn(id, { persistent: true }) gives a persistent cookie where the default is a browser-session one', async () => {
      const app = createApp(express, { engine, persistentCookie: false })
      expect(sessionCookie(await logInResponse(app, { persistent: true }))).toMatch(/Max-Age=\d+/)
    })
  })

  describe('maxWriteInterval', () => {
    it('a 10-minute idle timeout ends no sooner than 10 minutes less the interval after the last use', async () => {
      const app = createApp(express, { engine, idleTimeout: 10 * MINUTE, maxWriteInterval: MINUTE })
      const token = await logIn(app)
      now += 4 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      now += 9 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
    })

    it('without it, use is written once per half idle timeout (the 6-minute case)', async () => {
      const app = createApp(express, { engine, idleTimeout: 10 * MINUTE })
      const token = await logIn(app)
      now += 4 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      now += 6 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(401)
    })

    it.each<[string, SessionOptions]>([
      ['not less than idleTimeout', { idleTimeout: MINUTE, maxWriteInterval: MINUTE }],
      ['negative', { maxWriteInterval: -1 }],
      ['not whole', { maxWriteInterval: 1.5 }]
    ])('refuses a maxWriteInterval %s with a TypeError naming it', (_case, options) => {
      expect(() => session(options)).toThrow(/"maxWriteInterval"/)
    })
  })

  describe('clean ends', () => {
    it('expires a cookie whose token has no live session in that response', async () => {
      const app = createApp(express, { engine })
      const response = await supertest(app)
        .get('/me')
        .set('Cookie', `session=${'A'.repeat(43)}`)
        .expect(401)
      expect(sessionCookie(response)).toMatch(/Max-Age=0/)
      expect(response.headers['cache-control']).toBe('no-store')
      const malformed = await supertest(app).get('/me').set('Cookie', 'session=not*a*token').expect(401)
      expect(sessionCookie(malformed)).toMatch(/Max-Age=0/)
    })

    it("expires an expired session's cookie", async () => {
      const app = createApp(express, { engine, idleTimeout: 10 * MINUTE })
      const token = await logIn(app)
      now += 10 * MINUTE
      const response = await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(401)
      expect(sessionCookie(response)).toMatch(/Max-Age=0/)
    })

    it('never expires a cookie on a request judged cross-site', async () => {
      const app = createApp(express, { engine })
      const response = await supertest(app)
        .post('/me')
        .set({ Cookie: `session=${'A'.repeat(43)}`, Origin: 'https://evil.example' })
      expect(response.headers['set-cookie']).toBeUndefined()
    })
  })
})

describe('cookie name prefixes, matched in any case as browsers match them', () => {
  it.each<[string, SessionOptions, string]>([
    ['__host- without Secure', { cookieName: '__host-session' }, 'secure'],
    ['__HOST- with a domain', { cookieName: '__HOST-session', secure: true, domain: 'example.com' }, 'domain'],
    ['__secure- without Secure', { cookieName: '__secure-session', secure: false }, 'secure'],
    ['__Http- without HttpOnly', { cookieName: '__Http-session', secure: true, httpOnly: false }, 'httpOnly'],
    ['__http- without Secure', { cookieName: '__http-session' }, 'secure'],
    ['__Host-Http- with a path', { cookieName: '__Host-Http-session', secure: true, path: '/app' }, 'path'],
    ['__host-http- without HttpOnly', { cookieName: '__host-http-s', secure: true, httpOnly: false }, 'httpOnly']
  ])('refuses %s at start-up', (_case, options, name) => {
    expect(() => session(options)).toThrow(`"${name}"`)
  })

  it('accepts a __Host-Http- name with Secure and HttpOnly', () => {
    expect(() => session({ cookieName: '__Host-Http-session', secure: true })).not.toThrow()
  })
})

describe('the token and inspect', () => {
  it('util.inspect with customInspect off, showHidden and getters never prints the token', async () => {
    const app = express5()
    app.use(session({ engine: new MemoryEngine() }))
    app.get('/', async (request, response) => {
      await request.session.logIn('ada')
      const printed = [
        inspect(request.session, { customInspect: false, showHidden: true, getters: true, depth: 10 }),
        inspect(request.session, { showHidden: true, getters: true }),
        inspect({ session: request.session }, { customInspect: false, showHidden: true, getters: true, depth: 10 })
      ]
      response.json({ token: request.session.token, printed })
    })
    const { body } = await supertest(app).get('/').expect(200)
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    for (const printed of body.printed) expect(printed).not.toContain(body.token)
    expect(body.printed[0]).toContain('authenticatableId')
  })
})
