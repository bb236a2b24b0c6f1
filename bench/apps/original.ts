// The original, @universal-packages/express-session, on Express 4 and its own shared memory engine, as
// its README sets it up.
import type { RequestHandler } from 'express'
import { fromBench } from '../lib/deps'
import type { BenchApp } from '../lib/scenario'
import { benchApp, createExpress, nextUser, route } from './common'

interface OriginalSession {
  userId: string | null
  logIn(userId: string): Promise<void>
  logOut(): Promise<void>
}

interface Original {
  session(options?: Record<string, unknown>): RequestHandler
  authenticateRequest: RequestHandler
}

const sessionOf = (request: unknown): OriginalSession => (request as { session: OriginalSession }).session

/** The original's app: bearer tokens, its memory engine. */
export async function originalApp(): Promise<BenchApp> {
  const original = fromBench<Original>('@universal-packages/express-session')
  const app = createExpress(4)
  app.use(original.session())
  app.post(
    '/login',
    route(async (request, response) => {
      await sessionOf(request).logIn(nextUser())
      response.json({ ok: true })
    })
  )
  app.post(
    '/logout',
    route(async (request, response) => {
      await sessionOf(request).logOut()
      response.json({ ok: true })
    })
  )
  app.get('/me', original.authenticateRequest, (request, response) => {
    response.json({ id: sessionOf(request).userId })
  })
  return benchApp(app, { kind: 'bearer' })
}
