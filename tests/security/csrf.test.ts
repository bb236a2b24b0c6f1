import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import supertest from 'supertest'
import { isForgeryRisk } from '../../src/csrf'
import { MemoryEngine, Session } from '../../src'
import { createApp, expressVersions, logIn, sessionCookie } from '../support/app'

// Every warning of this file's process: the proxy warning is due once, whichever test meets the proxy first.
const warned: unknown[] = []
const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => {
  warned.push(args)
})
afterAll(() => emitWarning.mockRestore())

describe.each(expressVersions)('cross-site request forgery on %s', (_version, express) => {
  let engine: MemoryEngine
  let token: string
  beforeEach(async () => {
    engine = new MemoryEngine()
    token = await logIn(createApp(express, { engine }))
  })
  afterEach(() => engine.release())

  const authenticated = async (
    app: ReturnType<typeof createApp>,
    method: 'post' | 'get',
    headers: Record<string, string>
  ) => {
    const response = await supertest(app)[method]('/me').set(headers)
    return method === 'post' ? response.body.authenticated : response.status === 200
  }

  describe('a cookie session on POST', () => {
    it.each([
      ['a foreign Origin', { Origin: 'https://evil.example' }],
      ['Origin: null', { Origin: 'null' }],
      ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
      ['a same-site sibling Origin', { Origin: 'http://sub.127.0.0.1' }]
    ])('is not honoured with %s', async (_case, headers) => {
      const app = createApp(express, { engine })
      expect(await authenticated(app, 'post', { Cookie: `session=${token}`, ...headers })).toBe(false)
    })

    it('is honoured from the same origin', async () => {
      const app = createApp(express, { engine })
      const headers = { Cookie: `session=${token}`, Host: 'app.local:8080' }
      expect(await authenticated(app, 'post', { ...headers, Origin: 'http://app.local:8080' })).toBe(true)
      expect(await authenticated(app, 'post', { ...headers, Origin: 'http://app.local:8081' })).toBe(false)
    })

    it('follows Sec-Fetch-Site first: same-origin and none pass, same-site and cross-site do not', async () => {
      const app = createApp(express, { engine })
      const headers = { Cookie: `session=${token}`, Host: 'app.local', Origin: 'http://app.local' }
      expect(await authenticated(app, 'post', { ...headers, 'Sec-Fetch-Site': 'same-origin' })).toBe(true)
      expect(await authenticated(app, 'post', { ...headers, 'Sec-Fetch-Site': 'none' })).toBe(true)
      expect(await authenticated(app, 'post', { ...headers, 'Sec-Fetch-Site': 'same-site' })).toBe(false)
      expect(await authenticated(app, 'post', { ...headers, 'Sec-Fetch-Site': 'cross-site' })).toBe(false)
    })

    describe('behind a TLS-terminating proxy', () => {
      const proxied = {
        Host: 'app.example',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-For': '203.0.113.7',
        Origin: 'https://app.example'
      }

      it.each([
        ['without trust proxy', false],
        ['with trust proxy', true]
      ])('is honoured from the same origin %s, and logOut() ends the session', async (_case, trust) => {
        const app = createApp(express, { engine })
        if (trust) app.set('trust proxy', true)
        const headers = { ...proxied, Cookie: `session=${token}` }
        expect(await authenticated(app, 'post', headers)).toBe(true)
        expect(await authenticated(app, 'post', { ...headers, 'Sec-Fetch-Site': 'same-origin' })).toBe(true)
        const logout = await supertest(app).post('/logout').set(headers)
        expect(logout.body.ended).toBe(true)
        expect(sessionCookie(logout)).toMatch(/^session=;/)
        await supertest(app).get('/me').set('Authorization', `Bearer ${token}`).expect(401)
      })

      it.each([
        ['a foreign Origin', { Origin: 'https://evil.example' }],
        ['Origin: null', { Origin: 'null' }],
        ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }]
      ])('is still not honoured with %s', async (_case, headers) => {
        const app = createApp(express, { engine })
        expect(await authenticated(app, 'post', { ...proxied, Cookie: `session=${token}`, ...headers })).toBe(false)
      })
    })

    describe('with neither Origin nor Sec-Fetch-Site', () => {
      it.each([
        ['a foreign Referer', 'https://evil.example/page', false],
        ['a Referer that is no URL', 'not a url', false],
        ['a same-host Referer', 'http://app.local/form', true],
        ['a trusted Referer', 'https://partner.example/form', true]
      ])('follows the Referer: %s', async (_case, referer, expected) => {
        const app = createApp(express, { engine, trustedOrigins: ['https://partner.example'] })
        const headers = { Cookie: `session=${token}`, Host: 'app.local', Referer: referer }
        expect(await authenticated(app, 'post', headers)).toBe(expected)
      })
    })

    it('is honoured from the public origin behind a trusted proxy', async () => {
      const app = createApp(express, { engine })
      const headers = {
        Cookie: `session=${token}`,
        Host: 'internal:3000',
        'X-Forwarded-Host': 'app.example.com',
        'X-Forwarded-Proto': 'https',
        Origin: 'https://app.example.com'
      }
      expect(await authenticated(app, 'post', headers)).toBe(false)
      app.set('trust proxy', true)
      expect(await authenticated(app, 'post', headers)).toBe(true)
      expect(await authenticated(app, 'post', { ...headers, Origin: 'http://internal:3000' })).toBe(false)
    })

    it('is honoured without Origin or Sec-Fetch-Site (not a browser)', async () => {
      expect(await authenticated(createApp(express, { engine }), 'post', { Cookie: `session=${token}` })).toBe(true)
    })

    it('is honoured from a trusted origin', async () => {
      const app = createApp(express, { engine, trustedOrigins: ['https://app.example.com'] })
      expect(await authenticated(app, 'post', { Cookie: `session=${token}`, Origin: 'https://app.example.com' })).toBe(
        true
      )
    })

    it('is honoured when the check is turned off', async () => {
      const app = createApp(express, { engine, csrfProtection: false })
      expect(await authenticated(app, 'post', { Cookie: `session=${token}`, Origin: 'https://evil.example' })).toBe(
        true
      )
    })
  })

  it.each(['put', 'patch', 'delete'] as const)('applies to %s', async (method) => {
    const app = createApp(express, { engine })
    app.all('/any', (request, response) => {
      response.json({ authenticated: request.session.authenticated })
    })
    const agent = supertest(app)
    const response = await agent[method]('/any').set({ Cookie: `session=${token}`, Origin: 'https://evil.example' })
    expect(response.body.authenticated).toBe(false)
  })

  it('applies to a WebSocket upgrade', async () => {
    const app = createApp(express, { engine })
    const upgrade = { Cookie: `session=${token}`, Host: 'app.local', Upgrade: 'websocket' }
    expect(await authenticated(app, 'get', { ...upgrade, Origin: 'https://evil.example' })).toBe(false)
    expect(await authenticated(app, 'get', { ...upgrade, Origin: 'http://app.local' })).toBe(true)
  })

  describe('a response to a request judged cross-site', () => {
    const forged = { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }

    it('never clears the cookie (logout CSRF), and the session stays', async () => {
      const app = createApp(express, { engine })
      const response = await supertest(app)
        .post('/logout')
        .set({ Cookie: `session=${token}`, ...forged })
      expect(response.body.ended).toBe(false)
      expect(response.headers['set-cookie']).toBeUndefined()
      expect(await authenticated(app, 'get', { Cookie: `session=${token}` })).toBe(true)
    })

    it('creates no session at all (login CSRF): no cookie, no token in a header, nothing stored', async () => {
      const app = createApp(express, { engine })
      const before = await Session.activeSessions('mallory', { engine })
      const response = await supertest(app).post('/login').set(forged).send({ userId: 'mallory' }).expect(503)
      expect(response.body.error).toBe('CrossSiteLogInError')
      expect(response.headers['set-cookie']).toBeUndefined()
      expect(response.headers.authorization).toBeUndefined()
      expect(await Session.activeSessions('mallory', { engine })).toEqual(before)
    })

    it("with transports: ['bearer'] answers a cross-site log in with the token in the header only, not cached", async () => {
      // No cookie to plant, and a cross-site page can neither read this header nor send it back without a preflight.
      const app = createApp(express, { engine, transports: ['bearer'] })
      const response = await supertest(app).post('/login').set(forged).send({ userId: 'ada' }).expect(200)
      expect(response.headers.authorization).toBe(`bearer ${response.body.token}`)
      expect(response.headers['set-cookie']).toBeUndefined()
      expect(response.headers['cache-control']).toBe('no-store')
      expect(Object.keys(await Session.activeSessions('ada', { engine }))).toHaveLength(1)
    })

    it('lets a trusted identity provider post a log in back cross-site (OAuth form_post)', async () => {
      const app = createApp(express, { engine, trustedOrigins: ['https://idp.example'] })
      const response = await supertest(app)
        .post('/login')
        .set({ Origin: 'https://idp.example', 'Sec-Fetch-Site': 'cross-site' })
        .send({ userId: 'ada' })
        .expect(200)
      expect(response.headers['set-cookie']?.[0]).toMatch(/^session=/)
    })
  })

  it('does not apply to a safe method', async () => {
    const app = createApp(express, { engine })
    expect(
      await authenticated(app, 'get', {
        Cookie: `session=${token}`,
        Origin: 'https://evil.example',
        'Sec-Fetch-Site': 'cross-site'
      })
    ).toBe(true)
  })

  it('does not apply to a Bearer token', async () => {
    const app = createApp(express, { engine })
    expect(
      await authenticated(app, 'post', {
        Authorization: `Bearer ${token}`,
        Origin: 'https://evil.example',
        'Sec-Fetch-Site': 'cross-site'
      })
    ).toBe(true)
  })
})

describe.each(expressVersions)('behind a proxy Express does not trust, on %s', (_version, express) => {
  const engine = new MemoryEngine()
  afterAll(() => engine.release())

  it('warns once per process that the cookie lost Secure, naming the setting', async () => {
    const app = createApp(express, { engine })
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await supertest(app).post('/login').set('X-Forwarded-Proto', 'https').send({ userId: 'ada' })
      expect(sessionCookie(response)).not.toContain('Secure')
    }
    expect(warned).toHaveLength(1)
    const [message, options] = warned[0] as [string, { code: string }]
    expect(options.code).toBe('ESR_TRUST_PROXY')
    expect(message).toContain("app.set('trust proxy'")
  })

  it('sets Secure, without a warning, once the proxy is trusted', async () => {
    const app = createApp(express, { engine })
    app.set('trust proxy', 1)
    const response = await supertest(app).post('/login').set('X-Forwarded-Proto', 'https').send({ userId: 'ada' })
    expect(sessionCookie(response)).toContain('Secure')
    expect(warned).toHaveLength(1)
  })
})

describe('on a raw Node request (no Express)', () => {
  const config = { csrfProtection: true, trustedOrigins: new Set<string>() }
  let server: Server
  let base: string
  beforeAll(async () => {
    server = createServer((request, response) => {
      try {
        response.end(JSON.stringify(isForgeryRisk(request, config)))
      } catch {
        response.writeHead(500).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it.each<[string, string, Record<string, string>, boolean]>([
    ['a same-host POST', 'POST', { Host: 'app.local', Origin: 'https://app.local' }, false],
    ['a foreign POST', 'POST', { Host: 'app.local', Origin: 'https://evil.example' }, true],
    ['a foreign upgrade', 'GET', { Upgrade: 'websocket', Origin: 'https://evil.example' }, true],
    ['a foreign plain GET', 'GET', { Origin: 'https://evil.example' }, false],
    [
      'a forwarded host (no trust without Express)',
      'POST',
      { 'X-Forwarded-Host': 'a.example', Origin: 'https://a.example' },
      true
    ]
  ])('judges %s', async (_case, method, headers, expected) => {
    const response = await supertest(base)[method === 'POST' ? 'post' : 'get']('/').set(headers)
    expect(JSON.parse(response.text)).toBe(expected)
  })
})
