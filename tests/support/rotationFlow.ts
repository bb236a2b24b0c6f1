// An app to watch token rotation through, and the helpers its tests share.
import express, { type Express, type Request, type Response } from 'express'
import supertest from 'supertest'
import { session, type SessionEngine, type SessionEventMap, type SessionOptions } from '../../src'
import { sessionCookie } from './app'

// Short times with margins (other tests share the machine): a token is due after 400 ms; a rotated-out
// one stands for its session 700 ms, long enough for the few requests a test makes inside it.
export const ROTATE_AFTER_MS = 400
export const GRACE_MS = 700
/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a rotation app's listeners saw, by event. */
export type Events = { [E in keyof SessionEventMap]?: Array<SessionEventMap[E]> }

/**
 * An app over `options` that records its events (and what a rotation after the response threw); its
 * routes answer the session as JSON.
 */
export function rotationApp(options: SessionOptions): { app: Express; events: Events; lateErrors: unknown[] } {
  const events: Events = {}
  const lateErrors: unknown[] = []
  const middleware = session(options)
  for (const name of ['rotate', 'tokenReuse', 'revoke', 'invalidToken'] as const) {
    middleware.on(name, (event) => {
      ;(events[name] ??= [] as never[]).push(event as never)
    })
  }
  const app = express()
  app.use(express.json())
  app.use(middleware)
  const route = (handler: (request: Request, response: Response) => Promise<unknown>) => {
    return (request: Request, response: Response, next: (error: unknown) => void) => {
      handler(request, response).then((body) => response.json(body ?? request.session), next)
    }
  }
  app.post(
    '/login/:userId',
    route(async (request) => {
      await request.session.logIn(String(request.params.userId), { data: request.body })
      return { token: request.session.token, id: request.session.id }
    })
  )
  app.get('/me', (request, response) => {
    response.status(request.session.authenticated ? 200 : 401).json(request.session)
  })
  app.post(
    '/data',
    route(async (request) => ({ applied: await request.session.updateData(request.body) }))
  )
  app.post(
    '/rotate',
    route(async (request) => ({ rotated: await request.session.rotate(), token: request.session.token }))
  )
  app.post(
    '/logout',
    route(async (request) => ({ ended: await request.session.logOut(request.body?.target) }))
  )
  app.post(
    '/device',
    route(async (request) => ({ recorded: await request.session.updateDeviceId(request.body.deviceId) }))
  )
  app.post(
    '/logout-others',
    route(async (request) => {
      await request.session.logOutOthers()
      return {}
    })
  )
  // Answers first, then tries to rotate: the new token has no response left to go in.
  app.post('/late-rotate', (request, response) => {
    response.json({})
    request.session.rotate().then(
      () => undefined,
      (error: unknown) => lateErrors.push(error)
    )
  })
  app.get(
    '/sessions',
    route(async (request) => request.session.activeSessions())
  )
  app.use((error: Error, _request: Request, response: Response, _next: unknown) => {
    response.status(503).json({ error: error.message })
  })
  return { app, events, lateErrors }
}

/** The token a response set in the session cookie, if it set one. */
export function cookieToken(response: supertest.Response): string | undefined {
  return /^session=([^;]*)/.exec(sessionCookie(response) ?? '')?.[1] || undefined
}

export const withCookie = (token: string) => ({ Cookie: `session=${token}` })
export const withBearer = (token: string) => ({ Authorization: `Bearer ${token}` })

/** The live (not rotated-out) entries of `userId` the engine holds. */
export async function liveEntries(engine: SessionEngine, userId: string): Promise<unknown[]> {
  return Object.values(await engine.getAll(`auth-${userId}`)).filter((subject) => subject.rotatedTo === undefined)
}
