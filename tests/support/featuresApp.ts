import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { authenticateRequest, Session, session, type SessionDataPatch, type SessionEngine } from '../../src'

/** The options every instance of the features app runs with: tracking on, a short idle timeout, a cap. */
export const FEATURES_OPTIONS = { trackSessionAccess: true, idleTimeout: 3_000, maxSessionsPerUser: 3 } as const

type Handler = (request: Request, response: Response) => Promise<void>
const handle =
  (body: Handler) =>
  (request: Request, response: Response, next: NextFunction): void => {
    body(request, response).catch(next)
  }

/** What every route answers with: the session as this request loaded it (before its own change). */
const loaded = (request: Request) => ({
  authenticated: request.session.authenticated,
  data: request.session.data,
  deviceId: request.session.deviceId,
  expiresAt: request.session.expiresAt
})

/**
 * An app where every feature meets: log in with data, data patches (`remove` lists the keys to set to
 * `undefined`, which JSON cannot carry), device ids, listings, logOutOthers, logOutAll. A `TypeError`
 * answers 400, any other error 503 with its name.
 */
export function featuresApp(engine: SessionEngine): Express {
  const options = { engine, ...FEATURES_OPTIONS }
  const app = express()
  app.use(express.json({ limit: '1mb' }))
  app.use(session(options))
  app.post(
    '/login/:userId',
    handle(async (request, response) => {
      await request.session.logIn(String(request.params.userId), { data: request.body?.data })
      response.json({ token: request.session.token })
    })
  )
  app.get('/me', authenticateRequest, (request, response) => {
    response.json(loaded(request))
  })
  app.post(
    '/data',
    authenticateRequest,
    handle(async (request, response) => {
      const before = loaded(request)
      const patch: Record<string, unknown> = { ...request.body.patch }
      for (const key of (request.body.remove as string[] | undefined) ?? []) patch[key] = undefined
      response.json({ applied: await request.session.updateData(patch as SessionDataPatch), before })
    })
  )
  app.post(
    '/device',
    authenticateRequest,
    handle(async (request, response) => {
      response.json({ applied: await request.session.updateDeviceId(request.body.deviceId) })
    })
  )
  app.get(
    '/sessions',
    authenticateRequest,
    handle(async (request, response) => {
      response.json(Object.keys(await request.session.activeSessions()).length)
    })
  )
  app.post(
    '/logout-others',
    authenticateRequest,
    handle(async (request, response) => {
      await request.session.logOutOthers()
      response.end()
    })
  )
  app.post(
    '/logout-all',
    authenticateRequest,
    handle(async (request, response) => {
      await Session.logOutAll(request.session.authenticatableId!, options)
      response.end()
    })
  )
  app.use((error: Error, _request: Request, response: Response, _next: NextFunction) => {
    response.status(error instanceof TypeError ? 400 : 503).json({ name: error.name, error: error.message })
  })
  return app
}
