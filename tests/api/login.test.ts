import cookieParser from 'cookie-parser'
import supertest from 'supertest'
import { MemoryEngine, session } from '../../src'
import { bearer, createApp, expressVersions, logIn, sessionCookie } from '../support/app'

describe.each(expressVersions)('logIn() on %s', (_version, express) => {
  let engine: MemoryEngine
  beforeEach(() => {
    engine = new MemoryEngine()
  })
  afterEach(() => engine.release())

  it('returns a 256-bit base64url token in the Authorization header and the cookie', async () => {
    const response = await supertest(createApp(express, { engine })).post('/login').send({ userId: 'ada' }).expect(200)
    const token = response.body.token as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(response.headers.authorization).toBe(`bearer ${token}`)
    expect(sessionCookie(response)).toMatch(new RegExp(`^session=${token};`))
    expect(response.headers['cache-control']).toBe('no-store')
  })

  it('sets a cookie that is HttpOnly, SameSite=Lax, Path=/ and lives as long as the session', async () => {
    const response = await supertest(createApp(express, { engine })).post('/login').send({ userId: 'ada' })
    const cookie = sessionCookie(response)!
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).toContain('Path=/')
    expect(cookie).toContain(`Max-Age=${30 * 24 * 60 * 60}`)
    expect(cookie).not.toContain('Secure')
  })

  it('marks the cookie Secure when Express sees HTTPS', async () => {
    const app = createApp(express, { engine })
    app.set('trust proxy', true)
    const response = await supertest(app).post('/login').set('X-Forwarded-Proto', 'https').send({ userId: 'ada' })
    expect(sessionCookie(response)).toContain('Secure')
  })

  it('stores only a hash of the token, never the token itself', async () => {
    const token = await logIn(createApp(express, { engine }), 'ada')
    const stored = JSON.stringify(
      (engine as unknown as { entries: Map<string, unknown> }).entries.entries().next().value
    )
    expect(stored).not.toContain(token)
    expect(engine.get(token)).toBeUndefined()
  })

  it('records who, when, where and with what', async () => {
    const app = createApp(express, { engine })
    const token = await logIn(app, 42, 'Mozilla/5.0 Test')
    const me = await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
    expect(me.body).toMatchObject({
      authenticated: true,
      authenticatableId: '42',
      userId: '42',
      userAgent: 'Mozilla/5.0 Test',
      deviceId: null
    })
    expect(me.body.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(me.body.firstIp).toMatch(/127\.0\.0\.1/)
    expect(new Date(me.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000)
    expect(me.body).not.toHaveProperty('token')
    expect(JSON.stringify(me.body)).not.toContain(token)
  })

  it('disposes the session the request came with (no fixation)', async () => {
    const app = createApp(express, { engine })
    const planted = await logIn(app, 'victim')
    const response = await supertest(app)
      .post('/login')
      .set('Authorization', bearer(planted))
      .send({ userId: 'victim' })
    await supertest(app).get('/me').set('Authorization', bearer(planted)).expect(401)
    await supertest(app).get('/me').set('Authorization', bearer(response.body.token)).expect(200)
  })

  it('rejects an authenticatable id that is not a string, number or bigint', async () => {
    const log = { errors: [] as unknown[] }
    await supertest(createApp(express, { engine }, log))
      .post('/login')
      .send({ userId: { $ne: null } })
      .expect(503)
    expect(log.errors[0]).toBeInstanceOf(TypeError)
  })
})

describe.each(expressVersions)('reading the token on %s', (_version, express) => {
  let engine: MemoryEngine
  let app: ReturnType<typeof createApp>
  let token: string
  beforeEach(async () => {
    engine = new MemoryEngine()
    app = createApp(express, { engine })
    token = await logIn(app)
  })
  afterEach(() => engine.release())

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the %s scheme in any case', async (scheme) => {
    await supertest(app).get('/me').set('Authorization', `${scheme} ${token}`).expect(200)
  })

  it.each(['Basic', 'Token', 'Digest'])('takes no token from the %s scheme', async (scheme) => {
    await supertest(app).get('/me').set('Authorization', `${scheme} ${token}`).expect(401)
  })

  it('reads the cookie from the Cookie header without cookie-parser', async () => {
    await supertest(app).get('/me').set('Cookie', `other=1; session=${token}`).expect(200)
  })

  it('reads the cookie from request.cookies when cookie-parser ran', async () => {
    const parsed = express()
    parsed.use(cookieParser())
    parsed.use((request, _response, next) => {
      request.cookies = { session: token }
      next()
    })
    parsed.use(session({ engine }))
    parsed.get('/', (request, response) => {
      response.json({ authenticated: request.session.authenticated })
    })
    const response = await supertest(parsed).get('/').set('Cookie', 'session=not-the-token').expect(200)
    expect(response.body.authenticated).toBe(true)
  })

  it('prefers a live Bearer session over the cookie', async () => {
    const other = await logIn(app, 'grace')
    const response = await supertest(app)
      .get('/me')
      .set('Authorization', `Bearer ${other}`)
      .set('Cookie', `session=${token}`)
      .expect(200)
    expect(response.body.authenticatableId).toBe('grace')
  })

  it('falls back to a valid cookie when the Bearer token is unknown: an invalid header never hides it', async () => {
    await supertest(app).get('/me').set('Authorization', 'Bearer unknown').set('Cookie', `session=${token}`).expect(200)
  })

  it('uses a custom cookie name', async () => {
    const named = createApp(express, { engine, cookieName: 'sid' })
    const response = await supertest(named).post('/login').send({ userId: 'ada' })
    expect(sessionCookie(response, 'sid')).toBeDefined()
    await supertest(named).get('/me').set('Cookie', `sid=${response.body.token}`).expect(200)
    await supertest(named).get('/me').set('Cookie', `session=${response.body.token}`).expect(401)
  })
})
