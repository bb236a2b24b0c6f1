import supertest from 'supertest'
import { createApp, expressVersions, logIn } from '../support/app'
import { CountingEngine } from '../support/engines'

describe.each(expressVersions)('bad tokens on %s', (_version, express) => {
  let engine: CountingEngine
  let app: ReturnType<typeof createApp>
  let log: { errors: unknown[] }
  let token: string

  beforeEach(async () => {
    engine = new CountingEngine()
    log = { errors: [] }
    app = createApp(express, { engine }, log)
    token = await logIn(app)
    engine.calls.length = 0
  })
  afterEach(() => engine.release())

  const hostile = [
    ['a token with base64 padding and +/', 'abc+def/ghi='],
    ['a 513-character token', 'a'.repeat(513)],
    ['a glob', '*'],
    ['a question mark', '?'],
    ['a character class', '[a-z]*'],
    ['a backslash', 'a\\b'],
    ['a quote', 'a"b'],
    ['a percent-encoded value', '%2A'],
    ['"constructor"', 'constructor'],
    ['"__proto__"', '__proto__'],
    ['"toString"', 'toString'],
    ['"hasOwnProperty"', 'hasOwnProperty']
  ]

  describe.each(hostile)('with %s', (_name, value) => {
    it('is no session in a Bearer header, without an engine call', async () => {
      await supertest(app).get('/me').set('Authorization', `Bearer ${value}`).expect(401)
      expect(engine.count()).toBe(0)
      expect(log.errors).toEqual([])
    })

    it('is no session in the cookie, without an engine call', async () => {
      await supertest(app)
        .get('/me')
        .set('Cookie', `session=${encodeURIComponent(value)}`)
        .expect(401)
      expect(engine.count()).toBe(0)
    })
  })

  it.each(['Bearerx', 'Bearer_', 'Bear'])('carries no token under a scheme %s that is not Bearer', async (scheme) => {
    await supertest(app).get('/me').set('Authorization', `${scheme} ${token}`).expect(401)
    expect(engine.count()).toBe(0)
  })

  it('treats a real token followed by a glob as no token', async () => {
    await supertest(app)
      .get('/me')
      .set('Authorization', `Bearer ${token.slice(0, 20)}*`)
      .expect(401)
    expect(engine.count()).toBe(0)
  })

  it('treats a well-formed unknown token as no session after one lookup', async () => {
    await supertest(app)
      .get('/me')
      .set('Authorization', `Bearer ${'A'.repeat(43)}`)
      .expect(401)
    expect(engine.count('get')).toBe(1)
    expect(engine.count()).toBe(1)
  })

  it('accepts a token of 512 characters as a lookup', async () => {
    await supertest(app)
      .get('/me')
      .set('Authorization', `Bearer ${'A'.repeat(512)}`)
      .expect(401)
    expect(engine.count('get')).toBe(1)
  })

  it.each(['Bearer', 'Bearer ', `Bearer ${'x'.repeat(10)} extra`, 'Bearer\ttab\ttab'])(
    'treats the header %p as no session',
    async (header) => {
      await supertest(app).get('/me').set('Authorization', header).expect(401)
      expect(engine.count()).toBe(0)
    }
  )

  it('falls back to the cookie when a Bearer header is malformed', async () => {
    await supertest(app).get('/me').set('Authorization', 'Bearer *').set('Cookie', `session=${token}`).expect(200)
  })

  it('ignores a cookie-parser JSON cookie that is not a string', async () => {
    const cookieParser = (await import('cookie-parser')).default
    const parsed = express()
    parsed.use(cookieParser())
    parsed.use((await import('../../src')).session({ engine }))
    parsed.get('/', (request, response) => {
      response.json({ authenticated: request.session.authenticated })
    })
    const response = await supertest(parsed)
      .get('/')
      .set('Cookie', `session=j:${encodeURIComponent('{"a":1}')}`)
    expect(response.body.authenticated).toBe(false)
    expect(engine.count()).toBe(0)
  })

  it('survives a malformed Cookie header', async () => {
    await supertest(app).get('/me').set('Cookie', 'session=%E0%A4%A; =;;; x').expect(401)
    expect(log.errors).toEqual([])
  })

  it('ignores an entry that is not a session this library wrote', async () => {
    const { hashToken } = await import('../../src/keys')
    const planted = 'B'.repeat(43)
    engine.inner.set(hashToken(planted, undefined), 'auth-x', { userId: 'x' })
    await supertest(app).get('/me').set('Authorization', `Bearer ${planted}`).expect(401)
  })
})
