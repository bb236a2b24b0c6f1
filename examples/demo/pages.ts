import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { requireRecentLogin } from 'express-session-registry'
import { readCredentials } from './credentials'
import { findUser, MIN_PASSWORD_LENGTH, type DemoUser, type PasswordTable } from './users'
import { accountPage, devicesPage, errorPage, loginPage, NOTICES, passwordPage } from './views'

/** How recent a sign-in must be to change the password. */
export const RECENT_LOGIN_MS = 5 * 60_000
/** The longest device name the account page accepts. */
export const MAX_DEVICE_NAME_LENGTH = 40

declare module 'express-session-registry' {
  interface SessionData {
    /** A name the user gave this device on the account page ("Work laptop"). */
    deviceName?: string
  }
}

/** The most a form post may weigh. */
export const FORM_LIMIT = '16kb'

/** The signed-in user of a request, if the request carries a live session of a known user. */
export function currentUser(request: Request): DemoUser | undefined {
  const { authenticated, userId } = request.session
  return authenticated && userId !== null ? findUser(userId) : undefined
}

/**
 * Whether a browser sent this request from another site, by the library's rule (`Sec-Fetch-Site` first,
 * else the `Origin`'s host against the request's host, so it holds behind a TLS proxy). The library
 * already ignores the session cookie on such requests and sets none in answer; the sign-in form refuses
 * them too, so no site can sign a visitor in to an account of its choosing (login CSRF).
 */
function isCrossSite(request: Request): boolean {
  const fetchSite = request.get('sec-fetch-site')
  if (fetchSite !== undefined) return fetchSite !== 'same-origin' && fetchSite !== 'none'
  const origin = request.get('origin')
  if (origin === undefined) return false
  return !URL.canParse(origin) || new URL(origin).host !== request.host
}

function noticeFrom(request: Request): keyof typeof NOTICES | undefined {
  const { notice } = request.query
  return typeof notice === 'string' && Object.hasOwn(NOTICES, notice) ? (notice as keyof typeof NOTICES) : undefined
}

/** Sends a visitor who is not signed in to the sign-in form. */
function signedIn(request: Request, response: Response, next: NextFunction): void {
  if (currentUser(request)) return next()
  response.redirect(request.method === 'GET' ? 302 : 303, '/login')
}

/**
 * The server-rendered pages: sign in, account (with this device's name), devices, change password,
 * sign out. Express 5 sends rejections to the error handler.
 */
export function pageRoutes(passwords: PasswordTable): Router {
  const router = Router()
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 10 })

  router.get('/login', (request: Request, response: Response) => {
    if (currentUser(request)) return response.redirect('/')
    response.send(loginPage())
  })

  router.post('/login', form, async (request: Request, response: Response) => {
    if (isCrossSite(request)) {
      response.status(403).send(errorPage(403, 'Sign in from this site’s own form.'))
      return
    }
    const credentials = readCredentials(request.body)
    if (!credentials) {
      response.status(400).send(loginPage({ error: 'Enter a username and a password.' }))
      return
    }
    const user = await passwords.verify(credentials.username, credentials.password)
    if (!user) {
      response.status(401).send(loginPage({ username: credentials.username, error: 'Wrong username or password.' }))
      return
    }
    await request.session.logIn(user.username)
    response.redirect(303, '/')
  })

  router.get('/', (request: Request, response: Response) => {
    const user = currentUser(request)
    if (!user) return response.redirect('/login')
    response.send(accountPage(user, request.session))
  })

  router.get('/sessions', async (request: Request, response: Response) => {
    const user = currentUser(request)
    if (!user) return response.redirect('/login')
    const sessions = Object.values(await request.session.activeSessions()).sort(
      (a, b) => b.lastAccessed.getTime() - a.lastAccessed.getTime()
    )
    response.send(devicesPage(user, sessions, noticeFrom(request)))
  })

  router.post('/sessions/revoke-others', async (request: Request, response: Response) => {
    if (!currentUser(request)) return response.redirect(303, '/login')
    await request.session.logOutOthers()
    response.redirect(303, '/sessions?notice=revoked-others')
  })

  router.post('/sessions/:id/revoke', async (request: Request<{ id: string }>, response: Response) => {
    const user = currentUser(request)
    if (!user) return response.redirect(303, '/login')
    const { id } = request.params
    // Only ids listed on the devices page are accepted: logOut() would also take a token, and tokens
    // do not belong in URLs (they end up in logs).
    const sessions = await request.session.activeSessions()
    if (!Object.hasOwn(sessions, id) || !(await request.session.logOut(id))) {
      response.status(404).send(errorPage(404, 'None of your devices has that session.', user))
      return
    }
    response.redirect(303, request.session.authenticated ? '/sessions?notice=revoked' : '/login')
  })

  router.post('/device-name', signedIn, form, async (request: Request, response: Response) => {
    const raw: unknown = request.body?.deviceName
    const name = typeof raw === 'string' ? raw.trim() : ''
    if (name.length > MAX_DEVICE_NAME_LENGTH) {
      response.status(400).send(errorPage(400, `A device name has at most ${MAX_DEVICE_NAME_LENGTH} characters.`))
      return
    }
    // An empty name removes it.
    await request.session.updateData({ deviceName: name === '' ? undefined : name })
    response.redirect(303, '/')
  })

  const recentLogin = requireRecentLogin(RECENT_LOGIN_MS)
  router.get('/password', signedIn, recentLogin, (request: Request, response: Response) => {
    response.send(passwordPage(currentUser(request)!))
  })

  router.post('/password', signedIn, recentLogin, form, async (request: Request, response: Response) => {
    const user = currentUser(request)!
    const { password, confirmation } = (request.body ?? {}) as Record<string, unknown>
    const error =
      typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH
        ? `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`
        : password !== confirmation
          ? 'The two passwords differ.'
          : undefined
    if (error) {
      response.status(400).send(passwordPage(user, error))
      return
    }
    await passwords.change(user.username, password as string)
    // Whoever knew the old password may still be signed in elsewhere.
    await request.session.logOutOthers()
    response.redirect(303, '/sessions?notice=password-changed')
  })

  router.post('/logout', async (request: Request, response: Response) => {
    if (request.session.authenticated) await request.session.logOut()
    response.redirect(303, '/login')
  })

  return router
}
