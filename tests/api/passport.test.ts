import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type ErrorRequestHandler, type Express } from 'express'
import { Passport } from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import supertest from 'supertest'
import { session } from '../../src'
import { createPassportApp, type ProviderOptions } from '../../examples/passport/app'
import { expressVersions, sessionCookie } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

/** A stand-in OAuth2 provider: approves every sign-in as bob and trades its one code for his token. */
function fakeProvider(): Express {
  const provider = express()
  provider.use(express.urlencoded({ extended: false }))
  provider.get('/authorize', (request, response) => {
    const callback = new URL(String(request.query.redirect_uri))
    callback.searchParams.set('code', 'code-for-bob')
    callback.searchParams.set('state', String(request.query.state))
    response.redirect(callback.href)
  })
  provider.post('/token', (request, response) => {
    if (request.body.code !== 'code-for-bob') return response.status(400).json({ error: 'invalid_grant' })
    response.json({ access_token: 'token-for-bob', token_type: 'bearer' })
  })
  return provider
}

const cookieOf = (response: supertest.Response, name: string): string => sessionCookie(response, name)!.split(';')[0]

const engines = engineMatrix()

describe.each(engines)('Passport 0.7 with this library on the $name engine', ({ engine }) => {
  let providerServer: Server
  let provider: ProviderOptions

  beforeAll(async () => {
    providerServer = fakeProvider().listen(0, '127.0.0.1')
    await new Promise((resolve) => providerServer.once('listening', resolve))
    const origin = `http://127.0.0.1:${(providerServer.address() as AddressInfo).port}`
    provider = {
      authorizationURL: `${origin}/authorize`,
      tokenURL: `${origin}/token`,
      clientID: 'demo-client',
      clientSecret: 'demo-secret',
      callbackURL: '/auth/provider/callback'
    }
  })
  afterAll(() => new Promise((resolve) => providerServer.close(resolve)))

  describe.each(expressVersions)('%s', (_version, expressFactory) => {
    let app: Express
    beforeAll(() => {
      app = createPassportApp({ engine: engine() }, provider, expressFactory as unknown as () => Express)
    })

    describe('passport-local', () => {
      it('verifies the password, then logIn() starts the session and request.user comes from it', async () => {
        const login = await supertest(app)
          .post('/login')
          .type('form')
          .send({ username: 'alice', password: 'correct-horse' })
          .expect(303)
        expect(login.headers.location).toBe('/me')
        const me = await supertest(app).get('/me').set('Cookie', cookieOf(login, 'session')).expect(200)
        expect(me.body).toEqual({
          user: { id: '1', username: 'alice' },
          isAuthenticated: true
        })
      })

      it('starts no session on a wrong password', async () => {
        const login = await supertest(app)
          .post('/login')
          .type('form')
          .send({ username: 'alice', password: 'wrong' })
          .expect(302)
        expect(login.headers.location).toBe('/login')
        expect(sessionCookie(login)).toBeUndefined()
      })

      it('refuses an unknown username as it refuses a wrong password', async () => {
        const login = await supertest(app)
          .post('/login')
          .type('form')
          .send({ username: 'mallory', password: 'correct-horse' })
          .expect(302)
        expect(login.headers.location).toBe('/login')
        expect(sessionCookie(login)).toBeUndefined()
      })

      it('refuses the provider user, who has no password', async () => {
        for (const password of ['', 'x']) {
          const login = await supertest(app).post('/login').type('form').send({ username: 'bob', password }).expect(302)
          expect(login.headers.location).toBe('/login')
          expect(sessionCookie(login)).toBeUndefined()
        }
      })

      it('serves the sign-in page that failed logins and logOut redirect to', async () => {
        const page = await supertest(app).get('/login').expect(200)
        expect(page.type).toBe('text/html')
        expect(page.text).toContain('<form method="post" action="/login">')
        const login = await supertest(app)
          .post('/login')
          .type('form')
          .send({ username: 'alice', password: 'correct-horse' })
          .expect(303)
        const logout = await supertest(app).post('/logout').set('Cookie', cookieOf(login, 'session')).expect(303)
        expect(logout.headers.location).toBe('/login')
      })
    })

    describe('passport-oauth2, its state kept in a cookie instead of express-session', () => {
      it('signs bob in through the provider', async () => {
        const start = await supertest(app).get('/auth/provider').expect(302)
        const authorize = new URL(start.headers.location)
        expect(`${authorize.origin}${authorize.pathname}`).toBe(provider.authorizationURL)
        const state = authorize.searchParams.get('state')
        expect(state).toMatch(/^[\w-]{43}$/)
        expect(sessionCookie(start, 'oauth_state')).toMatch(/HttpOnly; SameSite=Lax$/)

        const approved = await supertest(authorize.origin).get(`${authorize.pathname}${authorize.search}`).expect(302)
        const callback = new URL(approved.headers.location)
        const done = await supertest(app)
          .get(`${callback.pathname}${callback.search}`)
          .set('Cookie', cookieOf(start, 'oauth_state'))
          .expect(303)
        expect(sessionCookie(done, 'oauth_state')).toMatch(/^oauth_state=; Max-Age=0/)
        const me = await supertest(app).get('/me').set('Cookie', cookieOf(done, 'session')).expect(200)
        expect(me.body.user).toEqual({ id: '2', username: 'bob' })
      })

      it('refuses a callback whose state did not start in this browser (login CSRF)', async () => {
        const start = await supertest(app).get('/auth/provider').expect(302)
        const state = new URL(start.headers.location).searchParams.get('state')
        const forged = await supertest(app).get(`/auth/provider/callback?code=code-for-bob&state=${state}`).expect(302)
        expect(forged.headers.location).toBe('/login')
        expect(sessionCookie(forged)).toBeUndefined()
      })
    })
  })
})

describe("Passport's own session support (passport.authenticate without session: false)", () => {
  it("fails without express-session: it calls request.session.regenerate(), which this library's Session has not", async () => {
    const passport = new Passport()
    passport.use(new LocalStrategy((_username, _password, done) => done(null, { id: '1', username: 'alice' })))
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    app.use(session())
    app.use(passport.initialize())
    app.post('/login', passport.authenticate('local'), (_request, response) => {
      response.end()
    })
    const errors: unknown[] = []
    const onError: ErrorRequestHandler = (error, _request, response, _next) => {
      errors.push(error)
      response.status(500).end()
    }
    app.use(onError)
    const response = await supertest(app).post('/login').type('form').send({ username: 'a', password: 'b' }).expect(500)
    expect(String(errors[0])).toMatch(/regenerate is not a function/)
    expect(sessionCookie(response)).toBeUndefined()
  })
})
