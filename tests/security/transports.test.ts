import supertest from 'supertest'
import { MemoryEngine, session, type SessionOptions } from '../../src'
import { createApp, expressVersions, logIn, sessionCookie } from '../support/app'

describe.each(expressVersions)('where the token travels, on %s', (_version, express) => {
  let engine: MemoryEngine
  beforeEach(() => {
    engine = new MemoryEngine()
  })
  afterEach(() => engine.release())

  describe("transports: ['cookie']", () => {
    const options = (): SessionOptions => ({ engine, transports: ['cookie'] })

    it('answers a log in with the token in Set-Cookie only, never in a response header', async () => {
      const response = await supertest(createApp(express, options())).post('/login').send({ userId: 'ada' })
      expect(response.headers.authorization).toBeUndefined()
      const headers = Object.entries(response.headers).filter(([name]) => name !== 'set-cookie')
      expect(JSON.stringify(headers)).not.toContain(response.body.token)
      expect(sessionCookie(response)).toContain(response.body.token)
      expect(sessionCookie(response)).toMatch(/; HttpOnly/)
      expect(response.headers['cache-control']).toBe('no-store')
    })

    it('reads no Bearer header', async () => {
      const app = createApp(express, options())
      const token = await logIn(app)
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
    })
  })

  describe("transports: ['bearer']", () => {
    const options = (): SessionOptions => ({ engine, transports: ['bearer'] })

    it('sets no cookie on log in, renewal or log out', async () => {
      const app = createApp(express, { ...options(), idleTimeout: 60_000, maxWriteInterval: 0 })
      const login = await supertest(app).post('/login').send({ userId: 'ada' }).expect(200)
      expect(login.headers['set-cookie']).toBeUndefined()
      expect(login.headers.authorization).toBe(`bearer ${login.body.token}`)
      expect(login.headers['cache-control']).toBe('no-store')
      const renewed = await supertest(app).get('/me').set('Authorization', `Bearer ${login.body.token}`).expect(200)
      expect(renewed.headers['set-cookie']).toBeUndefined()
      const out = await supertest(app).post('/logout').set('Authorization', `Bearer ${login.body.token}`)
      expect(out.headers['set-cookie']).toBeUndefined()
    })

    it('reads no cookie, and never expires one', async () => {
      const app = createApp(express, options())
      const token = await logIn(app)
      const response = await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(401)
      expect(response.headers['set-cookie']).toBeUndefined()
      await supertest(app).get('/me').set('Cookie', 'session=unknown').expect(401)
    })
  })

  describe('both (the default)', () => {
    it('a live Bearer session wins over the cookie; an invalid Bearer header never hides a valid cookie', async () => {
      const app = createApp(express, { engine })
      const cookieToken = await logIn(app, 'ada')
      const bearerToken = await logIn(app, 'grace')
      const both = await supertest(app)
        .get('/me')
        .set({ Authorization: `Bearer ${bearerToken}`, Cookie: `session=${cookieToken}` })
        .expect(200)
      expect(both.body.authenticatableId).toBe('grace')
      for (const header of ['Bearer unknown-token', 'Bearer *']) {
        const fallback = await supertest(app)
          .get('/me')
          .set({ Authorization: header, Cookie: `session=${cookieToken}` })
          .expect(200)
        expect(fallback.body.authenticatableId).toBe('ada')
      }
    })

    it('keeps the cross-site rule on the cookie it falls back to', async () => {
      const app = createApp(express, { engine })
      const token = await logIn(app)
      const response = await supertest(app)
        .post('/me')
        .set({ Authorization: 'Bearer unknown', Cookie: `session=${token}`, Origin: 'https://evil.example' })
      expect(response.body.authenticated).toBe(false)
    })
  })

  it.each<[string, unknown]>([
    ['an empty list', []],
    ['a repeated transport', ['cookie', 'cookie']],
    ['an unknown transport', ['header']],
    ['a string', 'cookie']
  ])('refuses transports as %s with a TypeError naming it', (_case, transports) => {
    expect(() => session({ transports } as SessionOptions)).toThrow(/"transports"/)
  })
})
