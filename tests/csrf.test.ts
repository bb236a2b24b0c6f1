import supertest from 'supertest'
import { MemoryEngine } from '../src'
import { createApp, expressVersions, logIn } from './support/app'

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
      const headers = { Cookie: `session=${token}`, Host: 'app.local:8080', 'Sec-Fetch-Site': 'same-origin' }
      expect(await authenticated(app, 'post', { ...headers, Origin: 'http://app.local:8080' })).toBe(true)
      expect(await authenticated(app, 'post', { ...headers, Origin: 'http://app.local:8081' })).toBe(false)
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
