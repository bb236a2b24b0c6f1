import express from 'express'
import supertest from 'supertest'
import { MemoryEngine, session, Session, type SessionOptions } from '../../src'
import { RedisEngine } from '../../src/redis'
import { resolveOptions } from '../../src/options'
import { hashToken } from '../../src/keys'
import { expressVersions } from '../support/app'

describe('session() options', () => {
  describe('when invalid', () => {
    it.each<[keyof SessionOptions | 'options', unknown, Partial<Record<string, unknown>>?]>([
      ['engine', 42],
      ['engine', ''],
      ['engine', { get: () => undefined }],
      ['engine', 'no-such-engine-anywhere'],
      ['engineOptions', 'url'],
      ['registryId', ''],
      ['registryId', 7],
      ['seed', ''],
      ['cookieName', ''],
      ['cookieName', 'bad name'],
      ['cookieName', 'a;b'],
      ['httpOnly', 'yes'],
      ['httpOnlyCookie', 1],
      ['secure', 'always'],
      ['secureCookie', 'on'],
      ['sameSite', 'Lax'],
      ['sameSite', true],
      ['sameSiteCookie', 'loose'],
      ['domain', 'exa mple.com'],
      ['path', 'relative'],
      ['path', '/a;b'],
      ['partitioned', 'yes'],
      ['priority', 'urgent'],
      ['idleTimeout', 0],
      ['idleTimeout', -1],
      ['idleTimeout', 1.5],
      ['idleTimeout', '30d'],
      ['idleTimeout', Infinity],
      ['absoluteTimeout', 0],
      ['absoluteTimeout', true],
      ['trackSessionAccess', 'true'],
      ['csrfProtection', 0],
      ['trustedOrigins', 'https://example.com'],
      ['trustedOrigins', ['example.com']],
      ['trustedOrigins', ['https://example.com/path']],
      ['trustedOrigins', [42]],
      ['maxSessionsPerUser', 0],
      ['maxSessionsPerUser', 2.5],
      ['maxSessionsPerUser', '100'],
      ['maxSessionsPerUser', Infinity]
    ])('%s = %p throws a TypeError naming it', (name, value) => {
      const build = () => session({ [name]: value } as SessionOptions)
      expect(build).toThrow(TypeError)
      expect(build).toThrow(`"${name}"`)
    })

    it.each<[string, SessionOptions, string]>([
      ['SameSite=None without Secure', { sameSite: 'none' }, 'sameSite'],
      ["SameSite=None with secure 'auto'", { sameSite: 'none', secure: 'auto' }, 'sameSite'],
      ['Partitioned without Secure', { partitioned: true }, 'partitioned'],
      ['a __Host- name without Secure', { cookieName: '__Host-session' }, 'secure'],
      ['a __Host- name with a domain', { cookieName: '__Host-session', secure: true, domain: 'example.com' }, 'domain'],
      ['a __Host- name with a path', { cookieName: '__Host-session', secure: true, path: '/app' }, 'path'],
      ['a __Secure- name without Secure', { cookieName: '__Secure-session', secure: false }, 'secure']
    ])('refuses %s', (_case, options, name) => {
      expect(() => session(options)).toThrow(TypeError)
      expect(() => session(options)).toThrow(`"${name}"`)
    })

    it('refuses options that are not an object', () => {
      expect(() => session('memory' as unknown as SessionOptions)).toThrow(TypeError)
    })

    it('says what it got and what it expected', () => {
      expect(() => session({ idleTimeout: -5 })).toThrow(
        'option "idleTimeout" must be a positive whole number of milliseconds, or false, got -5'
      )
    })
  })

  describe.each(expressVersions)('when unknown, on %s', (_version, expressFactory) => {
    const use = (options: Record<string, unknown>) => () => expressFactory().use(session(options as SessionOptions))

    it.each([
      ['cookiename', { cookiename: 'x' }, 'did you mean "cookieName"?'],
      ['cookieName ', { 'cookieName ': 'x' }, 'did you mean "cookieName"?'],
      ['idleTimout', { idleTimout: 1_000 }, 'did you mean "idleTimeout"?'],
      ['colour', { colour: 'blue' }, 'check its spelling'],
      ['secret', { secret: 'keyboard cat' }, '"registryId"'],
      ['name', { name: 'sid' }, 'use "cookieName"'],
      ['cookie.maxAge', { cookie: { maxAge: 60_000 } }, 'use "idleTimeout" (milliseconds)'],
      ['cookie.secure', { cookie: { secure: true } }, 'use "secure"'],
      ['cookie', { cookie: {} }, 'flat cookie options'],
      ['rolling', { rolling: true }, '"idleTimeout"'],
      ['resave', { resave: false }, 'not needed'],
      ['saveUninitialized', { saveUninitialized: false }, 'nothing is stored before logIn()'],
      ['store', { store: {} }, 'use "engine"'],
      ['genid', { genid: () => 'x' }, 'not supported'],
      ['unset', { unset: 'destroy' }, 'logOut()'],
      ['proxy', { proxy: true }, '"trust proxy"']
    ])('%s throws a TypeError naming it and what to use here', (name, options, advice) => {
      expect(use(options)).toThrow(TypeError)
      expect(use(options)).toThrow(`option "${name}" is not an option of session(): `)
      expect(use(options)).toThrow(advice)
    })

    it('leaves every documented option alone', () => {
      expect(use({ engine: new MemoryEngine(), maxSessionsPerUser: 5, csrfProtection: true })).not.toThrow()
    })
  })

  describe('of RedisEngine from connect-redis', () => {
    it.each([
      ['prefix', 'sess:', 'use "identifier"'],
      ['ttl', 86_400, '"expireAfter" (seconds)'],
      ['serializer', JSON, 'compact JSON'],
      ['scanCount', 100, 'never scans'],
      ['disableTouch', true, '"idleTimeout"'],
      ['disableTTL', true, 'expires with its session']
    ])('%s throws a TypeError naming it and what to use here', (name, value, advice) => {
      const build = () => new RedisEngine({ [name]: value })
      expect(build).toThrow(TypeError)
      expect(build).toThrow(`option "${name}" is not an option of RedisEngine: `)
      expect(build).toThrow(advice)
    })
  })

  describe('defaults', () => {
    const config = resolveOptions()
    it.each([
      ['cookie name', config.cookie.name, 'session'],
      ['HttpOnly', config.cookie.httpOnly, true],
      ['Secure', config.cookie.secure, 'auto'],
      ['SameSite', config.cookie.sameSite, 'lax'],
      ['Path', config.cookie.path, '/'],
      ['idle timeout', config.idleTimeoutMs, 30 * 24 * 60 * 60 * 1000],
      ['absolute timeout', config.absoluteTimeoutMs, null],
      ['access tracking', config.trackSessionAccess, false],
      ['CSRF protection', config.csrfProtection, true],
      ['sessions per user', config.maxSessionsPerUser, 100],
      ['engine', config.engine, 'memory']
    ])('%s', (_name, actual, expected) => {
      expect(actual).toEqual(expected)
    })

    it('keeps falsy values that were given (never `||`)', () => {
      const given = resolveOptions({ httpOnly: false, secure: false, idleTimeout: false, csrfProtection: false })
      expect(given.cookie.httpOnly).toBe(false)
      expect(given.cookie.secure).toBe(false)
      expect(given.idleTimeoutMs).toBeNull()
      expect(given.csrfProtection).toBe(false)
    })

    it('accepts the upstream flat cookie names', () => {
      const given = resolveOptions({ httpOnlyCookie: false, secureCookie: true, sameSiteCookie: 'strict' })
      expect(given.cookie).toMatchObject({ httpOnly: false, secure: true, sameSite: 'strict' })
    })

    it('takes seed as the registry id when registryId is absent', () => {
      expect(resolveOptions({ seed: 'a' }).hashKey).toBe('a')
      expect(resolveOptions({ seed: 'a', registryId: 'b' }).hashKey).toBe('b')
    })
  })

  describe('cookie attributes', () => {
    it('writes Domain, Path, Secure, SameSite, Partitioned and Priority as configured', async () => {
      const engine = new MemoryEngine()
      const app = express()
      app.use(
        session({
          engine,
          cookieName: '__Secure-sid',
          secure: true,
          sameSite: 'none',
          domain: 'example.com',
          path: '/app',
          partitioned: true,
          priority: 'high',
          httpOnly: false
        })
      )
      app.post('/login', async (request, response) => {
        await request.session.logIn('ada')
        response.end()
      })
      const response = await supertest(app).post('/login')
      const cookie = (response.headers['set-cookie'] as unknown as string[])[0]
      expect(cookie).toMatch(/^__Secure-sid=/)
      for (const attribute of [
        'Domain=example.com',
        'Path=/app',
        'Secure',
        'SameSite=None',
        'Partitioned',
        'Priority=High'
      ]) {
        expect(cookie).toContain(attribute)
      }
      expect(cookie).not.toContain('HttpOnly')
      engine.release()
    })

    it('caps Max-Age at 400 days', async () => {
      const engine = new MemoryEngine()
      const app = express()
      app.use(session({ engine, idleTimeout: 1000 * 24 * 60 * 60 * 1000 }))
      app.post('/login', async (request, response) => {
        await request.session.logIn('ada')
        response.end()
      })
      const response = await supertest(app).post('/login')
      expect((response.headers['set-cookie'] as unknown as string[])[0]).toContain(`Max-Age=${400 * 24 * 60 * 60}`)
      engine.release()
    })
  })

  describe('registryId', () => {
    it('keeps two registries on one engine apart', async () => {
      const engine = new MemoryEngine()
      const appFor = (registryId: string) => {
        const app = express()
        app.use(session({ engine, registryId }))
        app.post('/login', async (request, response) => {
          await request.session.logIn('ada')
          response.json({ token: request.session.token })
        })
        app.get('/me', (request, response) => {
          response.json({ authenticated: request.session.authenticated })
        })
        return app
      }
      const [first, second] = [appFor('first'), appFor('second')]
      const { token } = (await supertest(first).post('/login')).body
      expect((await supertest(first).get('/me').set('Authorization', `Bearer ${token}`)).body.authenticated).toBe(true)
      expect((await supertest(second).get('/me').set('Authorization', `Bearer ${token}`)).body.authenticated).toBe(
        false
      )
      expect(Object.keys(await Session.activeSessions('ada', { engine, registryId: 'first' }))).toHaveLength(1)
      expect(await Session.activeSessions('ada', { engine, registryId: 'second' })).toEqual({})
      engine.release()
    })
  })

  describe.each(expressVersions)('registries sharing an engine, on %s', (_version, expressFactory) => {
    let engine: MemoryEngine
    beforeEach(() => {
      engine = new MemoryEngine()
    })
    afterEach(() => engine.release())

    const appFor = (options: SessionOptions) => {
      const app = expressFactory()
      app.use(session({ engine, ...options }))
      app.post('/login/:id', async (request, response) => {
        await request.session.logIn(request.params.id)
        response.json({ token: request.session.token })
      })
      app.get('/me', (request, response) => {
        response.json({ authenticated: request.session.authenticated })
      })
      return app
    }

    // The tag a registry id used to add to its categories: guessable from the id.
    const oldTag = (registryId: string) => hashToken('category', registryId).slice(0, 12)

    it.each<[string, SessionOptions, (victim: string) => string, SessionOptions]>([
      ['a registry without registryId', {}, (victim) => `${oldTag('shop')}-${victim}`, { registryId: 'shop' }],
      ['another registryId', { registryId: 'a' }, (victim) => `x-${victim}`, { registryId: 'b' }],
      ['a registry with registryId', { registryId: 'shop' }, (victim) => victim, {}]
    ])('cannot list or end sessions from %s, whatever the user id', async (_case, attacker, craft, victim) => {
      const victimApp = appFor(victim)
      const { token } = (await supertest(victimApp).post('/login/bob')).body
      const crafted = craft('bob')
      await supertest(appFor(attacker))
        .post(`/login/${encodeURIComponent(crafted)}`)
        .expect(200)
      expect(Object.keys(await Session.activeSessions(crafted, { engine, ...attacker }))).toHaveLength(1)
      await Session.logOutAll(crafted, { engine, ...attacker })
      expect(Object.keys(await Session.activeSessions('bob', { engine, ...victim }))).toHaveLength(1)
      const me = await supertest(victimApp).get('/me').set('Authorization', `Bearer ${token}`)
      expect(me.body.authenticated).toBe(true)
    })
  })
})
