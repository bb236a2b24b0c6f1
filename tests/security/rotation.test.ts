import type { Express } from 'express'
import supertest from 'supertest'
import { session, Session, type SessionOptions } from '../../src'
import { MapEngine, MinimalMapEngine } from '../fixtures/thirdPartyEngine'
import { createApp, expressVersions, sessionCookie } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'
import { CountingEngine } from '../support/engines'
import {
  cookieToken,
  GRACE_MS,
  liveEntries,
  ROTATE_AFTER_MS,
  rotationApp,
  sleep,
  withBearer,
  withCookie
} from '../support/rotationFlow'

describe.each(engineMatrix().map((entry) => [entry.name, entry] as const))('token rotation on %s', (_name, entry) => {
  const options = (extra: SessionOptions = {}): SessionOptions => ({
    engine: entry.engine(),
    rotateAfter: ROTATE_AFTER_MS,
    rotationGrace: GRACE_MS,
    ...extra
  })
  let user = 0
  const nextUser = () => `rotating-${entry.name}-${++user}`

  async function logIn(app: Express, userId: string, data: object = {}): Promise<{ token: string; id: string }> {
    const response = await supertest(app).post(`/login/${userId}`).send(data).expect(200)
    return response.body as { token: string; id: string }
  }

  it('replaces a token older than rotateAfter on the next request: a new cookie, the same id, data and facts', async () => {
    const { app, events } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId, { role: 'reader' })
    const before = (await supertest(app).get('/me').set(withCookie(login.token)).expect(200)).body
    expect(cookieToken(await supertest(app).get('/me').set(withCookie(login.token)))).toBeUndefined()
    await sleep(ROTATE_AFTER_MS + 50)
    const rotated = await supertest(app).get('/me').set(withCookie(login.token)).set('User-Agent', 'other').expect(200)
    const token = cookieToken(rotated)!
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(token).not.toBe(login.token)
    expect(rotated.headers.authorization).toBeUndefined()
    expect(rotated.headers['cache-control']).toBe('no-store')
    expect(sessionCookie(rotated)).toMatch(/HttpOnly/)
    const after = (await supertest(app).get('/me').set(withCookie(token)).expect(200)).body
    for (const fact of ['id', 'authenticatableId', 'firstAccessed', 'firstIp', 'userAgent', 'deviceId', 'data'])
      expect([fact, after[fact]]).toEqual([fact, before[fact]])
    expect(after.data).toEqual({ role: 'reader' })
    expect(events.rotate).toEqual([expect.objectContaining({ sessionId: login.id, userId, reason: 'age' })])
    expect(JSON.stringify(events.rotate)).not.toContain(token)
    expect(await liveEntries(entry.engine(), userId)).toHaveLength(1)
  })

  it('answers a Bearer client with the new token in the Authorization header, never in a cookie', async () => {
    const { app } = rotationApp(options())
    const login = await logIn(app, nextUser())
    await sleep(ROTATE_AFTER_MS + 50)
    const rotated = await supertest(app).get('/me').set(withBearer(login.token)).expect(200)
    expect(sessionCookie(rotated)).toBeUndefined()
    expect(rotated.headers['cache-control']).toBe('no-store')
    const [, token] = /^bearer (\S+)$/.exec(rotated.headers.authorization)!
    expect(token).not.toBe(login.token)
    expect((await supertest(app).get('/me').set(withBearer(token)).expect(200)).body.id).toBe(login.id)
  })

  it("with transports: ['cookie'] the new token never leaves Set-Cookie", async () => {
    const { app } = rotationApp(options({ transports: ['cookie'] }))
    const login = await logIn(app, nextUser())
    await sleep(ROTATE_AFTER_MS + 50)
    const rotated = await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200)
    const token = cookieToken(rotated)!
    expect(rotated.headers.authorization).toBeUndefined()
    const headers = Object.entries(rotated.headers).filter(([name]) => name !== 'set-cookie')
    expect(JSON.stringify(headers)).not.toContain(token)
    expect(rotated.headers['cache-control']).toBe('no-store')
  })

  it('serves an old token within its grace the same session; updateData and logOut act on the live entry', async () => {
    const { app } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    const inGrace = await supertest(app).get('/me').set(withCookie(login.token)).expect(200)
    expect(inGrace.body.id).toBe(login.id)
    expect(cookieToken(inGrace)).toBeUndefined()
    expect((await supertest(app).post('/data').set(withCookie(login.token)).send({ step: 'mfa' })).body).toEqual({
      applied: true
    })
    expect((await supertest(app).get('/me').set(withCookie(token)).expect(200)).body.data).toEqual({ step: 'mfa' })
    const sessions = (await supertest(app).get('/sessions').set(withCookie(token)).expect(200)).body
    expect(Object.keys(sessions)).toEqual([login.id])
    expect(sessions[login.id].current).toBe(true)
    await supertest(app).post('/logout').set(withCookie(login.token)).expect(200)
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(await liveEntries(entry.engine(), userId)).toHaveLength(0)
  })

  it('Session.logOutSession() ends a rotated session under its new token and its rotated-out one', async () => {
    const { app } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    const other = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    expect(await Session.logOutSession(userId, login.id, { engine: entry.engine() })).toBe(true)
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    await supertest(app).get('/me').set(withBearer(other.token)).expect(200)
  })

  it('ends the whole session when a rotated-out token comes back after its grace, and emits tokenReuse', async () => {
    const { app, events } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    await sleep(GRACE_MS + 100)
    const reused = await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(sessionCookie(reused)).toMatch(/^session=;/)
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    expect(events.tokenReuse).toEqual([
      expect.objectContaining({ sessionId: login.id, userId, ip: expect.any(String), request: expect.anything() })
    ])
    const payload = JSON.stringify(events.tokenReuse)
    expect(payload).not.toContain(login.token)
    expect(payload).not.toContain(token)
    expect(await liveEntries(entry.engine(), userId)).toHaveLength(0)
    expect(await Session.activeSessions(userId, { engine: entry.engine() })).toEqual({})
  })

  it('rotate() on demand keeps the id and the data, also without rotateAfter, and detects reuse', async () => {
    const { app, events } = rotationApp(options({ rotateAfter: undefined }))
    const userId = nextUser()
    const login = await logIn(app, userId, { plan: 'pro' })
    const rotated = await supertest(app).post('/rotate').set(withBearer(login.token)).expect(200)
    expect(rotated.body.rotated).toBe(true)
    const [, token] = /^bearer (\S+)$/.exec(rotated.headers.authorization)!
    expect(rotated.body.token).toBe(token)
    expect(sessionCookie(rotated)).toBeUndefined()
    const me = (await supertest(app).get('/me').set(withBearer(token)).expect(200)).body
    expect([me.id, me.data]).toEqual([login.id, { plan: 'pro' }])
    expect(events.rotate).toEqual([expect.objectContaining({ sessionId: login.id, reason: 'requested' })])
    await sleep(GRACE_MS + 100)
    await supertest(app).get('/me').set(withBearer(login.token)).expect(401)
    await supertest(app).get('/me').set(withBearer(token)).expect(401)
    expect(events.tokenReuse).toHaveLength(1)
    expect((await supertest(app).post('/rotate').expect(200)).body.rotated).toBe(false)
  })

  it('never forks the session when concurrent requests bring one due token', async () => {
    const { app, events } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        index % 2 === 0
          ? supertest(app).get('/me').set(withCookie(login.token))
          : supertest(app)
              .post('/data')
              .set(withCookie(login.token))
              .send({ [`k${index}`]: index })
      )
    )
    for (const response of responses) expect(response.status).toBe(200)
    const issued = responses.map(cookieToken).filter((token) => token !== undefined)
    expect(issued).toHaveLength(1)
    expect(events.rotate).toHaveLength(1)
    expect(await liveEntries(entry.engine(), userId)).toHaveLength(1)
    const me = (await supertest(app).get('/me').set(withCookie(issued[0]!)).expect(200)).body
    expect([me.id, me.data]).toEqual([login.id, { k1: 1, k3: 3, k5: 5, k7: 7 }])
  })

  it('a log out racing a rotation leaves no live token', async () => {
    const { app } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const [read] = await Promise.all([
      supertest(app).get('/me').set(withCookie(login.token)),
      supertest(app).post('/logout').set(withCookie(login.token))
    ])
    const token = cookieToken(read)
    if (token) await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(await liveEntries(entry.engine(), userId)).toHaveLength(0)
  })

  it('logOut(sessionId) from another device ends the live token and the rotated-out one in its grace', async () => {
    const { app } = rotationApp(options())
    const userId = nextUser()
    const other = await logIn(app, userId)
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    const otherToken = cookieToken(await supertest(app).get('/me').set(withCookie(other.token)).expect(200))!
    await supertest(app).post('/logout').set(withCookie(otherToken)).send({ target: login.id }).expect(200)
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    await supertest(app).get('/me').set(withCookie(otherToken)).expect(200)
  })

  it('the per-user cap counts a rotated session once, and ends the least recently used one', async () => {
    const { app, events } = rotationApp(options({ maxSessionsPerUser: 2, rotateAfter: undefined }))
    const userId = nextUser()
    const first = await logIn(app, userId)
    const second = await logIn(app, userId)
    const rotated = await supertest(app).post('/rotate').set(withCookie(first.token)).expect(200)
    const token = cookieToken(rotated)!
    await logIn(app, userId)
    await supertest(app).get('/me').set(withCookie(token)).expect(200)
    await supertest(app).get('/me').set(withCookie(second.token)).expect(401)
    expect(events.revoke).toEqual([expect.objectContaining({ sessionIds: [second.id] })])
    expect(Object.keys(await Session.activeSessions(userId, { engine: entry.engine() }))).toHaveLength(2)
  })

  it('Session.logOutAll() ends a rotated session with its rotated-out tokens: their return is no reuse', async () => {
    const { app, events } = rotationApp(options())
    const userId = nextUser()
    const login = await logIn(app, userId)
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    await Session.logOutAll(userId, { engine: entry.engine() })
    expect(await entry.engine().getAll(`rotated-${userId}`)).toEqual({})
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await sleep(GRACE_MS + 100)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(events.tokenReuse).toBeUndefined()
    expect(events.invalidToken).toEqual([expect.objectContaining({ reason: 'unknown' }), expect.anything()])
  })

  it('records access on the live entry with trackSessionAccess, and rotates once per rotateAfter', async () => {
    const { app, events } = rotationApp(options({ trackSessionAccess: true }))
    const login = await logIn(app, nextUser())
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    const first = (await supertest(app).get('/me').set(withCookie(token)).expect(200)).body
    await sleep(20)
    const second = (await supertest(app).get('/me').set(withCookie(token)).expect(200)).body
    expect(Date.parse(second.lastAccessed)).toBeGreaterThan(Date.parse(first.lastAccessed))
    expect(events.rotate).toHaveLength(1)
  })
})

describe.each([
  ['with update() but no patch()', () => new MapEngine()],
  ['with the token-registry contract alone', () => new MinimalMapEngine()]
])('on an engine %s', (_name, createEngine) => {
  it('rotates, serves the old token within its grace and ends the session on its reuse', async () => {
    const engine = createEngine()
    const { app, events } = rotationApp({ engine, rotateAfter: ROTATE_AFTER_MS, rotationGrace: GRACE_MS })
    const login = (await supertest(app).post('/login/old-contract').send({ n: 1 }).expect(200)).body
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    expect((await supertest(app).get('/me').set(withCookie(login.token)).expect(200)).body.id).toBe(login.id)
    expect((await supertest(app).get('/me').set(withCookie(token)).expect(200)).body.data).toEqual({ n: 1 })
    await sleep(GRACE_MS + 100)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    expect(events.tokenReuse).toHaveLength(1)
  })
})

describe.each(expressVersions)('rotation on %s', (_version, express) => {
  it('costs a valid token that is not due one engine read and no write', async () => {
    const engine = new CountingEngine()
    const app = createApp(express, { engine, rotateAfter: 60_000 })
    const login = await supertest(app).post('/login').send({ userId: 'cheap' }).expect(200)
    engine.calls.length = 0
    const response = await supertest(app).get('/me').set(withCookie(login.body.token)).expect(200)
    expect(engine.calls.map((call) => call.method)).toEqual(['get'])
    expect(sessionCookie(response)).toBeUndefined()
    engine.release()
  })

  it('rotates a due token through the app, the new cookie replacing the old', async () => {
    const engine = new CountingEngine()
    const app = createApp(express, { engine, rotateAfter: ROTATE_AFTER_MS })
    const login = await supertest(app).post('/login').send({ userId: 'express' }).expect(200)
    await sleep(ROTATE_AFTER_MS + 50)
    const rotated = await supertest(app).get('/me').set(withCookie(login.body.token)).expect(200)
    const token = cookieToken(rotated)!
    expect(token).not.toBe(login.body.token)
    expect(rotated.body.id).toBe(login.body.session.id)
    expect(rotated.headers['cache-control']).toBe('no-store')
    await supertest(app).get('/me').set(withCookie(token)).expect(200)
    engine.release()
  })
})

describe('rotation options', () => {
  it.each([
    ['rotateAfter', 0],
    ['rotateAfter', -1],
    ['rotateAfter', '15m'],
    ['rotateAfter', true],
    ['rotationGrace', -1],
    ['rotationGrace', 1.5],
    ['rotationGrace', '10s']
  ])('refuses %s: %p with a TypeError naming it', (name, value) => {
    expect(() => session({ [name]: value } as SessionOptions)).toThrow(TypeError)
    expect(() => session({ [name]: value } as SessionOptions)).toThrow(name)
  })

  it('rotate() without a response cannot carry the new token', async () => {
    const { readSession, MemoryEngine } = await import('../../src')
    const engine = new MemoryEngine()
    const { app } = rotationApp({ engine })
    const { token } = (await supertest(app).post('/login/ws').send({}).expect(200)).body
    const read = await readSession({ headers: { authorization: `Bearer ${token}` } } as never, { engine })
    await expect(read.rotate()).rejects.toThrow(/response/)
    engine.release()
  })
})
