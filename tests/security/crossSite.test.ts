import supertest from 'supertest'
import { MemoryEngine, session, type CrossSiteRefusedEvent, type SessionOptions } from '../../src'
import { createApp, expressVersions, logIn } from '../support/app'

describe.each(expressVersions)('the cross-site rule on %s', (_version, express) => {
  let engine: MemoryEngine
  let token: string
  beforeEach(async () => {
    engine = new MemoryEngine()
    token = await logIn(createApp(express, { engine }))
  })
  afterEach(() => engine.release())

  /** Whether a POST with these headers and the session cookie is authenticated. */
  const postAuthenticated = async (options: SessionOptions, headers: Record<string, string>, trustProxy = false) => {
    const app = createApp(express, { engine, ...options })
    if (trustProxy) app.set('trust proxy', true)
    const response = await supertest(app)
      .post('/me')
      .set({ Cookie: `session=${token}`, ...headers })
    return response.body.authenticated as boolean
  }

  describe("csrfProtection: 'strict'", () => {
    it('refuses an unsafe request that carries none of Sec-Fetch-Site, Origin and Referer', async () => {
      expect(await postAuthenticated({ csrfProtection: 'strict' }, {})).toBe(false)
      expect(await postAuthenticated({ csrfProtection: true }, {})).toBe(true)
    })

    it('compares the scheme when Express knows it', async () => {
      const strict: SessionOptions = { csrfProtection: 'strict' }
      const host = { Host: 'app.local' }
      expect(await postAuthenticated(strict, { ...host, Origin: 'http://app.local' })).toBe(true)
      expect(await postAuthenticated(strict, { ...host, Origin: 'https://app.local' })).toBe(false)
      expect(await postAuthenticated(strict, { ...host, Referer: 'https://app.local/page' })).toBe(false)
      // A trusted proxy says https: now https is the own scheme.
      const proxied = { ...host, 'X-Forwarded-Proto': 'https' }
      expect(await postAuthenticated(strict, { ...proxied, Origin: 'https://app.local' }, true)).toBe(true)
      expect(await postAuthenticated(strict, { ...proxied, Origin: 'http://app.local' }, true)).toBe(false)
      // A proxy Express does not trust: the scheme is unknown and not compared.
      expect(await postAuthenticated(strict, { ...proxied, Origin: 'https://app.local' })).toBe(true)
      // The default mode never compares it (a TLS-terminating proxy Express was not told of).
      expect(await postAuthenticated({}, { ...host, Origin: 'https://app.local' })).toBe(true)
    })
  })

  it.each<[string, SessionOptions]>([
    ['true', { csrfProtection: true }],
    ["'strict'", { csrfProtection: 'strict' }]
  ])(
    'ignores an unknown Sec-Fetch-Site value in mode %s, as the spec says, and judges by Origin',
    async (_m, options) => {
      const host = { Host: 'app.local', 'Sec-Fetch-Site': 'cross-origin-someday' }
      expect(await postAuthenticated(options, { ...host, Origin: 'http://app.local' })).toBe(true)
      expect(await postAuthenticated(options, { ...host, Origin: 'https://evil.example' })).toBe(false)
    }
  )

  it("judges socket.io's polling handshake and any engine.io GET like an upgrade", async () => {
    const app = createApp(express, { engine })
    app.get('/socket.io/', (request, response) => {
      response.json({ authenticated: request.session.authenticated })
    })
    const poll = (origin: string) =>
      supertest(app)
        .get('/socket.io/?EIO=4&transport=polling&t=abc')
        .set({ Cookie: `session=${token}`, Host: 'app.local', Origin: origin })
    expect((await poll('https://evil.example')).body.authenticated).toBe(false)
    expect((await poll('http://app.local')).body.authenticated).toBe(true)
    const plain = await supertest(app)
      .get('/me')
      .set({ Cookie: `session=${token}`, Origin: 'https://evil.example' })
    expect(plain.status).toBe(200)
  })

  it("report-only emits 'crossSiteRefused' with the reason and refuses nothing", async () => {
    const events: CrossSiteRefusedEvent[] = []
    const middleware = session({ engine, csrfProtection: 'report-only' }).on('crossSiteRefused', (event) => {
      events.push(event)
    })
    const app = createApp(express, undefined, undefined, middleware)
    const response = await supertest(app)
      .post('/me')
      .set({ Cookie: `session=${token}`, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })
    expect(response.body.authenticated).toBe(true)
    expect(events).toMatchObject([{ reason: 'cross-site', action: 'session', reportOnly: true }])
    await supertest(app)
      .post('/me')
      .set({ Cookie: `session=${token}` })
    expect(events.map((event) => event.reason)).toEqual(['cross-site', 'no-origin-headers'])
  })

  it('refuses a csrfProtection that is not a mode with a TypeError naming it', () => {
    expect(() => session({ csrfProtection: 'lax' as never })).toThrow(/"csrfProtection"/)
  })
})
