import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { Passport } from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import OAuth2Strategy from 'passport-oauth2'
import { authenticateRequest, session, type SessionOptions } from 'express-session-registry'
import { verifyPassword } from './passwords'
import { cookieStateStore } from './stateStore'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      id: string
      username: string
    }
  }
}

/**
 * The accounts of this example: one password user (her password is "correct-horse"; only its scrypt hash
 * is kept), one who signs in through the OAuth2 provider.
 */
const USERS = new Map<string, Express.User & { passwordHash?: string; providerToken?: string }>([
  [
    '1',
    {
      id: '1',
      username: 'alice',
      passwordHash: 'scrypt$16384$8$1$Y2JmZ4a7MbezXRNRz4HcmA$xWk5w9NtxclhEyzjHXj3SsdKGy1BVbCt1N2oXIv5bKo'
    }
  ],
  ['2', { id: '2', username: 'bob', providerToken: 'token-for-bob' }]
])

/** Where the OAuth2 provider lives, and this app's registration there. */
export interface ProviderOptions {
  authorizationURL: string
  tokenURL: string
  clientID: string
  clientSecret: string
  callbackURL: string
}

/**
 * Passport with this library: strategies only verify credentials (`session: false`), then
 * `request.session.logIn(user.id)` starts the session; `request.user` is loaded from the session for
 * the routes that expect it.
 */
export function createPassportApp(
  sessionOptions: SessionOptions,
  provider: ProviderOptions,
  createExpress: () => Express = express
): Express {
  const passport = new Passport()
  passport.use(
    new LocalStrategy((username, password, done) => {
      const user = [...USERS.values()].find((candidate) => candidate.username === username)
      verifyPassword(password, user?.passwordHash).then((matches) => done(null, matches ? user : false), done)
    })
  )
  passport.use(
    'provider',
    new OAuth2Strategy(
      { ...provider, store: cookieStateStore({ path: '/auth/provider' }) },
      (accessToken: string, _refreshToken: string, _profile: unknown, done: OAuth2Strategy.VerifyCallback) => {
        const user = [...USERS.values()].find((candidate) => candidate.providerToken === accessToken)
        done(null, user ?? false)
      }
    )
  )

  const app = createExpress()
  app.use(express.urlencoded({ extended: false }))
  app.use(session(sessionOptions))
  app.use(passport.initialize())
  // What passport.session() does with express-session: request.user from the session.
  app.use((request: Request, _response: Response, next: NextFunction) => {
    const { authenticated, userId } = request.session
    const account = authenticated && userId !== null ? USERS.get(userId) : undefined
    // Only the public fields: request.user ends up in responses and logs.
    if (account) request.user = { id: account.id, username: account.username }
    next()
  })

  const startSession = (request: Request, response: Response, next: NextFunction): void => {
    request.session.logIn(request.user!.id).then(() => response.redirect(303, '/me'), next)
  }
  app.get('/login', (_request: Request, response: Response) => {
    response
      .type('html')
      .send(
        '<form method="post" action="/login"><input name="username" autocomplete="username">' +
          '<input name="password" type="password" autocomplete="current-password">' +
          '<button>Sign in</button></form><a href="/auth/provider">Sign in with the provider</a>'
      )
  })
  app.post('/login', passport.authenticate('local', { session: false, failureRedirect: '/login' }), startSession)
  app.get('/auth/provider', passport.authenticate('provider', { session: false }))
  app.get(
    '/auth/provider/callback',
    passport.authenticate('provider', { session: false, failureRedirect: '/login' }),
    startSession
  )
  app.get('/me', authenticateRequest, (request: Request, response: Response) => {
    response.json({ user: request.user, isAuthenticated: request.isAuthenticated() })
  })
  app.post('/logout', (request: Request, response: Response, next: NextFunction) => {
    request.session.logOut().then(() => response.redirect(303, '/login'), next)
  })
  return app
}
