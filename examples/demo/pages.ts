import express, { Router, type Request, type Response } from 'express'
import { readCredentials } from './credentials'
import { findUser, verifyCredentials, type DemoUser } from './users'
import { accountPage, devicesPage, errorPage, loginPage, NOTICES } from './views'

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

/** The server-rendered pages: sign in, account, devices, sign out. Express 5 sends rejections to the error handler. */
export function pageRoutes(): Router {
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
    const user = await verifyCredentials(credentials.username, credentials.password)
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

  router.post('/logout', async (request: Request, response: Response) => {
    if (request.session.authenticated) await request.session.logOut()
    response.redirect(303, '/login')
  })

  return router
}
