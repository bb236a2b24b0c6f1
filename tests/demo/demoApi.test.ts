import type { Express } from 'express'
import supertest from 'supertest'
import { MemoryEngine, type Engine } from 'express-session-registry'
import { createDemoApp } from '../../examples/demo/app'

const PASSWORD = 'correct-horse'

let engine: MemoryEngine
let app: Express

beforeEach(() => {
  engine = new MemoryEngine()
  app = createDemoApp({ engine })
})
afterEach(() => engine.release())

interface LoggedIn {
  token: string
  sessionId: string
}

/** Signs in through the API and returns the token and the session id it answered with. */
async function apiLogIn(username = 'alice', userAgent = 'DemoClient/1.0'): Promise<LoggedIn> {
  const response = await supertest(app)
    .post('/api/login')
    .set('User-Agent', userAgent)
    .send({ username, password: PASSWORD })
    .expect(200)
  return { token: response.body.token, sessionId: response.body.session.id }
}

const bearer = (token: string): string => `Bearer ${token}`

async function expectTokenRejected(token: string): Promise<void> {
  await supertest(app).get('/api/me').set('Authorization', bearer(token)).expect(401)
}

function expectJsonError(response: supertest.Response, status: number): void {
  expect(response.status).toBe(status)
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  expect(response.body.error).toEqual(expect.any(String))
}

describe('POST /api/login', () => {
  it('answers a token and the session, whose facts never include the token', async () => {
    const response = await supertest(app)
      .post('/api/login')
      .set('User-Agent', 'DemoClient/1.0')
      .send({ username: 'bob', password: PASSWORD })
      .expect(200)
    const { token, session } = response.body
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session).toMatchObject({ authenticated: true, userId: 'bob', userAgent: 'DemoClient/1.0' })
    expect(session.id).toEqual(expect.any(String))
    expect(JSON.stringify(session)).not.toContain(token)
    expect(response.headers['cache-control']).toBe('no-store')
  })

  it('gives a token that works as a bearer token', async () => {
    const { token } = await apiLogIn('bob')
    const me = await supertest(app).get('/api/me').set('Authorization', bearer(token)).expect(200)
    expect(me.body.user).toEqual({ username: 'bob', name: 'Bob' })
  })

  it.each([
    ['a wrong password', { username: 'alice', password: 'correct-horse-battery' }],
    ['an unknown user', { username: 'mallory', password: PASSWORD }]
  ])('answers %s with 401 JSON, no cookie and no token', async (_case, body) => {
    const response = await supertest(app).post('/api/login').send(body)
    expectJsonError(response, 401)
    expect(response.headers['set-cookie']).toBeUndefined()
    expect(response.headers.authorization).toBeUndefined()
    expect(engine.size).toBe(0)
  })

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['no password', { username: 'alice' }],
    ['no username', { password: PASSWORD }],
    ['empty strings', { username: '', password: '' }],
    ['a number as username', { username: 1, password: PASSWORD }],
    ['an array as username', { username: ['alice'], password: PASSWORD }],
    ['an operator object as password', { username: 'alice', password: { $ne: null } }],
    ['a boolean as password', { username: 'alice', password: true }],
    ['null as password', { username: 'alice', password: null }],
    ['an array body', [{ username: 'alice', password: PASSWORD }]]
  ])('answers %s with 400 JSON and starts no session', async (_case, body) => {
    const response = await supertest(app)
      .post('/api/login')
      .send(body as object)
    expectJsonError(response, 400)
    expect(engine.size).toBe(0)
  })

  it.each([
    ['malformed JSON', '{"username": "alice", "password": '],
    ['a JSON string', '"alice"'],
    ['JSON null', 'null']
  ])('answers %s with 400 JSON', async (_case, body) => {
    const response = await supertest(app).post('/api/login').set('Content-Type', 'application/json').send(body)
    expectJsonError(response, 400)
  })

  it('answers a form-encoded body with 400 JSON (the API speaks JSON)', async () => {
    const response = await supertest(app)
      .post('/api/login')
      .type('form')
      .send({ username: 'alice', password: PASSWORD })
    expectJsonError(response, 400)
  })

  it('refuses a 1 MB body with 413 JSON', async () => {
    const response = await supertest(app)
      .post('/api/login')
      .send({ username: 'alice', password: 'a'.repeat(1024 * 1024) })
    expectJsonError(response, 413)
    expect(response.body.error).toBe('The request body is too large.')
  })
})

describe('GET /api/me', () => {
  it('answers 401 JSON naming the Bearer scheme when no token comes with the request', async () => {
    const response = await supertest(app).get('/api/me')
    expectJsonError(response, 401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
  })

  it.each(['Bearer not-a-token', `Bearer ${'A'.repeat(43)}`, 'Basic YWxpY2U6Y29ycmVjdC1ob3JzZQ=='])(
    'answers 401 JSON to Authorization: %s',
    async (authorization) => {
      expectJsonError(await supertest(app).get('/api/me').set('Authorization', authorization), 401)
    }
  )

  it("answers the user and this session's facts", async () => {
    const { token, sessionId } = await apiLogIn('alice', 'DemoClient/2.0')
    const response = await supertest(app).get('/api/me').set('Authorization', bearer(token)).expect(200)
    expect(response.body.user).toEqual({ username: 'alice', name: 'Alice' })
    expect(response.body.session).toMatchObject({
      authenticated: true,
      id: sessionId,
      userId: 'alice',
      userAgent: 'DemoClient/2.0'
    })
    for (const field of ['firstAccessed', 'lastAccessed', 'expiresAt']) {
      expect(Number.isNaN(Date.parse(response.body.session[field]))).toBe(false)
    }
    expect(response.body.session.lastIp).toMatch(/127\.0\.0\.1/)
    expect(JSON.stringify(response.body)).not.toContain(token)
  })
})

describe('GET /api/sessions', () => {
  it("lists the user's sessions, this one marked current, without tokens or other users' sessions", async () => {
    const phone = await apiLogIn('alice', 'Phone/1.0')
    const tablet = await apiLogIn('alice', 'Tablet/1.0')
    const bobs = await apiLogIn('bob')
    const response = await supertest(app).get('/api/sessions').set('Authorization', bearer(phone.token)).expect(200)
    const sessions = response.body.sessions as Array<{ id: string; current: boolean; userAgent: string }>
    expect(sessions.map((session) => session.id).sort()).toEqual([phone.sessionId, tablet.sessionId].sort())
    expect(sessions.find((session) => session.current)).toMatchObject({ id: phone.sessionId, userAgent: 'Phone/1.0' })
    const text = JSON.stringify(response.body)
    for (const token of [phone.token, tablet.token, bobs.token]) expect(text).not.toContain(token)
    expect(text).not.toContain(bobs.sessionId)
  })

  it('answers 401 JSON without a token', async () => {
    expectJsonError(await supertest(app).get('/api/sessions'), 401)
  })
})

describe('DELETE /api/sessions/:id', () => {
  let phone: LoggedIn
  let tablet: LoggedIn
  beforeEach(async () => {
    phone = await apiLogIn('alice', 'Phone/1.0')
    tablet = await apiLogIn('alice', 'Tablet/1.0')
  })

  it("ends another session of the user with 204: that session's token stops working", async () => {
    await supertest(app)
      .delete(`/api/sessions/${tablet.sessionId}`)
      .set('Authorization', bearer(phone.token))
      .expect(204)
    await expectTokenRejected(tablet.token)
    await supertest(app).get('/api/me').set('Authorization', bearer(phone.token)).expect(200)
  })

  it("answers 404 JSON for another user's session id and leaves that session alone", async () => {
    const bobs = await apiLogIn('bob')
    const response = await supertest(app)
      .delete(`/api/sessions/${bobs.sessionId}`)
      .set('Authorization', bearer(phone.token))
    expectJsonError(response, 404)
    await supertest(app).get('/api/me').set('Authorization', bearer(bobs.token)).expect(200)
  })

  it.each([
    ['an unknown id', () => 'no-such-session-id'],
    ['a prototype key', () => '__proto__'],
    ['a token instead of an id', () => tablet.token]
  ])('answers 404 JSON for %s', async (_case, id) => {
    const response = await supertest(app).delete(`/api/sessions/${id()}`).set('Authorization', bearer(phone.token))
    expectJsonError(response, 404)
    await supertest(app).get('/api/me').set('Authorization', bearer(tablet.token)).expect(200)
  })

  it('answers 401 JSON without a token', async () => {
    expectJsonError(await supertest(app).delete(`/api/sessions/${tablet.sessionId}`), 401)
    await supertest(app).get('/api/me').set('Authorization', bearer(tablet.token)).expect(200)
  })

  it('ignores a session cookie sent by another site', async () => {
    const response = await supertest(app)
      .delete(`/api/sessions/${tablet.sessionId}`)
      .set('Cookie', `session=${phone.token}`)
      .set('Origin', 'https://evil.example')
    expectJsonError(response, 401)
    await supertest(app).get('/api/me').set('Authorization', bearer(tablet.token)).expect(200)
  })
})

describe('POST /api/logout', () => {
  it('ends this session with 204, leaving the other sessions alone', async () => {
    const phone = await apiLogIn('alice')
    const tablet = await apiLogIn('alice')
    await supertest(app).post('/api/logout').set('Authorization', bearer(phone.token)).expect(204)
    await expectTokenRejected(phone.token)
    await supertest(app).get('/api/me').set('Authorization', bearer(tablet.token)).expect(200)
  })

  it('answers 401 JSON without a token', async () => {
    expectJsonError(await supertest(app).post('/api/logout'), 401)
  })
})

describe('an unknown API route', () => {
  it('answers 404 JSON', async () => {
    expectJsonError(await supertest(app).get('/api/nowhere'), 404)
  })
})

describe('when the session store is down', () => {
  const failing = (): Promise<never> => Promise.reject(new Error('connection refused'))
  const downEngine: Engine = { get: failing, set: failing, getAll: failing, delete: failing, clear: failing }

  it.each([
    [
      'a request with a token',
      (down: Express) =>
        supertest(down)
          .get('/api/me')
          .set('Authorization', bearer('A'.repeat(43)))
    ],
    ['a sign-in', (down: Express) => supertest(down).post('/api/login').send({ username: 'alice', password: PASSWORD })]
  ])('answers %s with 503 JSON', async (_case, send) => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const response = await send(createDemoApp({ engine: downEngine }))
      expectJsonError(response, 503)
      expect(response.body.error).toBe('The session store is unavailable. Try again in a moment.')
    } finally {
      jest.restoreAllMocks()
    }
  })
})
