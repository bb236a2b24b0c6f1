import type { ErrorRequestHandler, Express, Request, Response } from 'express'
import express4 from 'express4'
import express5 from 'express'
import supertest from 'supertest'
import { authenticateRequest, session, type SessionMiddleware, type SessionOptions } from '../../src'

type ExpressFactory = typeof express5
type AsyncHandler = (request: Request, response: Response) => Promise<void>

// Express 4 does not catch rejected route handlers; test routes forward them like an app would.
const route =
  (handler: AsyncHandler) =>
  (request: Request, response: Response, next: (error: unknown) => void): void => {
    handler(request, response).catch(next)
  }

/** Both Express majors: every HTTP test runs against each. */
export const expressVersions: Array<[string, ExpressFactory]> = [
  ['Express 4', express4 as unknown as ExpressFactory],
  ['Express 5', express5]
]

/** What the error handler of a test app saw. */
export interface ErrorLog {
  errors: unknown[]
}

/**
 * A small real app over the library: log in, who am I, log out, devices, and an error handler that
 * records what reached it (answering 503 with the error's name). `middleware` replaces the
 * `session(options)` it would build, for tests that listen to its events.
 */
export function createApp(
  express: ExpressFactory,
  options?: SessionOptions,
  log: ErrorLog = { errors: [] },
  middleware: SessionMiddleware = session(options)
): Express {
  const app = express()
  app.use(express.json())
  app.use(middleware)
  app.post(
    '/login',
    route(async (request, response) => {
      const { userId, persistent } = request.body
      await request.session.logIn(userId, persistent === undefined ? undefined : { persistent })
      response.json({ token: request.session.token, session: request.session })
    })
  )
  app.get('/me', authenticateRequest, (request: Request, response: Response) => {
    response.json(request.session)
  })
  app.post('/me', (request: Request, response: Response) => {
    response.json({ authenticated: request.session.authenticated })
  })
  app.get(
    '/sessions',
    authenticateRequest,
    route(async (request, response) => {
      response.json(await request.session.activeSessions())
    })
  )
  app.post(
    '/logout',
    route(async (request, response) => {
      response.json({ ended: await request.session.logOut(request.body?.target) })
    })
  )
  app.post(
    '/logout-others',
    authenticateRequest,
    route(async (request, response) => {
      await request.session.logOutOthers()
      response.status(204).end()
    })
  )
  app.post(
    '/device',
    authenticateRequest,
    route(async (request, response) => {
      response.json({ recorded: await request.session.updateDeviceId(request.body.deviceId) })
    })
  )
  const onError: ErrorRequestHandler = (error, _request, response, _next) => {
    log.errors.push(error)
    response.status(503).json({ error: (error as Error).name })
  }
  app.use(onError)
  return app
}

/** Logs `userId` in on `app` and returns the token the response carried. */
export async function logIn(
  app: Express,
  userId: string | number = 'user-1',
  userAgent = 'jest-agent'
): Promise<string> {
  const response = await supertest(app).post('/login').set('User-Agent', userAgent).send({ userId }).expect(200)
  return response.body.token as string
}

/** The `Set-Cookie` line for `name`, if the response set one. */
export function sessionCookie(response: supertest.Response, name = 'session'): string | undefined {
  const header = response.headers['set-cookie'] as unknown as string[] | undefined
  return header?.find((line) => line.startsWith(`${name}=`))
}

/** A bearer `Authorization` header value. */
export const bearer = (token: string): string => `Bearer ${token}`
