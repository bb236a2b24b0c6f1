import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { readCredentials } from './credentials'
import { findUser, type PasswordTable } from './users'

/** Where the API is mounted. */
export const API_PATH = '/api'

/** The most a JSON body may weigh. */
export const JSON_LIMIT = '16kb'

/** Answers an API error: JSON `{ error }` with a message meant for the client's developer. */
export function fail(response: Response, status: number, error: string): void {
  response.status(status).json({ error })
}

/** Like the library's `authenticateRequest`, but answers in JSON and names the scheme to use (RFC 6750). */
function requireSession(request: Request, response: Response, next: NextFunction): void {
  if (request.session.authenticated) return next()
  response.set('WWW-Authenticate', 'Bearer')
  fail(response, 401, 'Send a valid token: Authorization: Bearer <token>.')
}

/**
 * The JSON API a mobile or single-page client uses with a bearer token, mounted at {@link API_PATH}.
 * Express 5 sends rejections to the app's error handler, which answers API requests in JSON.
 */
export function apiRoutes(passwords: PasswordTable): Router {
  const router = Router()
  router.use(express.json({ limit: JSON_LIMIT }))

  router.post('/login', async (request: Request, response: Response) => {
    const credentials = readCredentials(request.body)
    if (!credentials) return fail(response, 400, 'Send a JSON object with a "username" and a "password" string.')
    const user = await passwords.verify(credentials.username, credentials.password)
    if (!user) return fail(response, 401, 'Wrong username or password.')
    await request.session.logIn(user.username)
    // The one response that carries the token: the client keeps it and sends it back as a bearer token.
    response.json({ token: request.session.token, session: request.session })
  })

  router.get('/me', requireSession, (request: Request, response: Response) => {
    response.json({ user: findUser(request.session.userId ?? '') ?? null, session: request.session })
  })

  router.get('/sessions', requireSession, async (request: Request, response: Response) => {
    response.json({ sessions: Object.values(await request.session.activeSessions()) })
  })

  router.delete('/sessions/:id', requireSession, async (request: Request<{ id: string }>, response: Response) => {
    const { id } = request.params
    // Session ids only, as on the devices page: tokens do not belong in URLs.
    const sessions = await request.session.activeSessions()
    if (!Object.hasOwn(sessions, id) || !(await request.session.logOut(id))) {
      return fail(response, 404, 'None of your sessions has that id.')
    }
    response.status(204).end()
  })

  router.post('/logout', requireSession, async (request: Request, response: Response) => {
    await request.session.logOut()
    response.status(204).end()
  })

  router.use((_request: Request, response: Response) => fail(response, 404, 'No such API route.'))
  return router
}
