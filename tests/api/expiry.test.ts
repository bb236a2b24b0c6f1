import supertest from 'supertest'
import { createApp, expressVersions, logIn, sessionCookie } from '../support/app'
import { CountingEngine } from '../support/engines'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe.each(expressVersions)('expiry on %s', (_version, express) => {
  let engine: CountingEngine
  let now: number
  beforeEach(() => {
    engine = new CountingEngine()
    now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
  })
  afterEach(() => {
    jest.restoreAllMocks()
    engine.release()
  })

  const maxAgeOf = (cookie: string | undefined) => Number(/Max-Age=(\d+)/.exec(cookie ?? '')?.[1])

  describe('idleTimeout', () => {
    it('ends a session unused for that long, and removes it from the store', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR })
      const token = await logIn(app)
      now += HOUR
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
      expect(engine.inner.size).toBe(0)
    })

    it('keeps a session used within half of it, without writing', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR })
      const token = await logIn(app)
      engine.calls.length = 0
      now += 29 * MINUTE
      const response = await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      expect(engine.count('update')).toBe(0)
      expect(sessionCookie(response)).toBeUndefined()
      expect(response.headers['cache-control']).toBeUndefined()
    })

    it('slides with one write once half of it has passed, and the cookie follows', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR })
      const token = await logIn(app)
      engine.calls.length = 0
      now += 31 * MINUTE
      const renewed = await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      expect(engine.count('update')).toBe(1)
      expect(maxAgeOf(sessionCookie(renewed))).toBe(60 * 60)
      expect(renewed.headers['cache-control']).toBe('no-store')
      expect(new Date(renewed.body.expiresAt).getTime()).toBe(now + HOUR)
      now += 1 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      expect(engine.count('update')).toBe(1)
      now += 58 * MINUTE
      await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
    })

    it('slides a Bearer session without sending a cookie', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR })
      const token = await logIn(app)
      now += 45 * MINUTE
      const renewed = await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
      expect(sessionCookie(renewed)).toBeUndefined()
      now += 50 * MINUTE
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
    })

    it('can be turned off', async () => {
      const app = createApp(express, { engine, idleTimeout: false })
      const login = await supertest(app).post('/login').send({ userId: 'ada' })
      expect(login.body.session.expiresAt).toBeNull()
      expect(maxAgeOf(sessionCookie(login))).toBe(400 * 24 * 60 * 60)
      now += 365 * 24 * HOUR
      await supertest(app).get('/me').set('Authorization', `Bearer ${login.body.token}`).expect(200)
    })
  })

  describe('absoluteTimeout', () => {
    it('ends a session however active it is', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR, absoluteTimeout: 2 * HOUR })
      const token = await logIn(app)
      for (let step = 0; step < 3; step++) {
        now += 35 * MINUTE
        await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
      }
      now += 15 * MINUTE
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
    })

    it('caps the cookie and the renewal at the absolute deadline', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR, absoluteTimeout: 90 * MINUTE })
      const login = await supertest(app).post('/login').send({ userId: 'ada' })
      expect(maxAgeOf(sessionCookie(login))).toBe(60 * 60)
      now += 50 * MINUTE
      const renewed = await supertest(app).get('/me').set('Cookie', `session=${login.body.token}`).expect(200)
      expect(maxAgeOf(sessionCookie(renewed))).toBe(40 * 60)
      expect(new Date(renewed.body.expiresAt).getTime()).toBe(Date.UTC(2030, 0, 1) + 90 * MINUTE)
    })

    it('holds even when the stored entry carries no expiry', async () => {
      const app = createApp(express, { engine, idleTimeout: false, absoluteTimeout: HOUR })
      const token = await logIn(app)
      now += HOUR
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
    })
  })

  describe('trackSessionAccess', () => {
    it('records last access and IP on every request without moving the expiry', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR, trackSessionAccess: true })
      const token = await logIn(app)
      engine.calls.length = 0
      now += 5 * MINUTE
      await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
      now += 5 * MINUTE
      const me = await supertest(app).get('/me').set('Cookie', `session=${token}`).expect(200)
      expect(engine.count('update')).toBe(2)
      expect(sessionCookie(me)).toBeUndefined()
      const sessions = (await supertest(app).get('/sessions').set('Authorization', `Bearer ${token}`)).body
      const [stored] = Object.values(sessions) as Array<{ lastAccessed: string; expiresAt: string }>
      expect(new Date(stored.lastAccessed).getTime()).toBe(now)
      expect(new Date(stored.expiresAt).getTime()).toBe(Date.UTC(2030, 0, 1) + HOUR)
    })

    it('does not write without it', async () => {
      const app = createApp(express, { engine, idleTimeout: HOUR })
      const token = await logIn(app)
      engine.calls.length = 0
      now += 5 * MINUTE
      const me = await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
      expect(engine.count('update')).toBe(0)
      expect(engine.count()).toBe(1)
      expect(new Date(me.body.lastAccessed).getTime()).toBe(now)
    })
  })
})
