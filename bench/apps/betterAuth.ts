// better-auth's `getSession` in a middleware, on its in-memory adapter, with email and password sign-in.
import type { RequestHandler } from 'express'
import type { IncomingHttpHeaders } from 'node:http'
import { pathToFileURL } from 'node:url'
import { benchResolve } from '../lib/deps'
import type { BenchApp } from '../lib/scenario'
import { benchApp, createExpress, nextUser, route } from './common'

interface Auth {
  api: {
    signUpEmail(input: { body: Record<string, string>; returnHeaders: true }): Promise<{ headers: Headers }>
    signInEmail(input: { body: Record<string, string>; returnHeaders: true }): Promise<{ headers: Headers }>
    getSession(input: { headers: Headers }): Promise<{ user: { id: string } } | null>
    signOut(input: { headers: Headers }): Promise<unknown>
  }
}

// better-auth ships ES modules only: loaded with import(), from bench/node_modules.
const load = <T>(name: string): Promise<T> => import(pathToFileURL(benchResolve(name)).href) as Promise<T>

const PASSWORD = 'benchmark password'

/** better-auth with its memory adapter; the session cookie is `better-auth.session_token`. */
export async function betterAuthApp(): Promise<BenchApp> {
  const { betterAuth } = await load<{ betterAuth(options: object): Auth }>('better-auth')
  const { memoryAdapter } = await load<{ memoryAdapter(db: object): object }>('better-auth/adapters/memory')
  const { fromNodeHeaders } = await load<{ fromNodeHeaders(headers: IncomingHttpHeaders): Headers }>('better-auth/node')
  const auth = betterAuth({
    database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
    emailAndPassword: { enabled: true },
    secret: 'benchmark secret of better-auth, 32+ chars',
    baseURL: 'http://127.0.0.1',
    logger: { disabled: true },
    telemetry: { enabled: false }
  })
  const app = createExpress(5)
  const forward = (headers: Headers, response: Parameters<RequestHandler>[1]): void => {
    response.setHeader('Set-Cookie', headers.getSetCookie())
    response.json({ ok: true })
  }
  app.post(
    '/login',
    route(async (_request, response) => {
      // Each log in signs a new user up: better-auth's sign-up logs the user in, as a sign-in would.
      const email = `${nextUser()}@example.com`
      const { headers } = await auth.api.signUpEmail({
        body: { email, password: PASSWORD, name: email },
        returnHeaders: true
      })
      forward(headers, response)
    })
  )
  const requireSession: RequestHandler = (request, response, next) => {
    auth.api.getSession({ headers: fromNodeHeaders(request.headers) }).then((found) => {
      if (!found) response.status(401).end()
      else {
        response.locals.userId = found.user.id
        next()
      }
    }, next)
  }
  app.post(
    '/logout',
    route(async (request, response) => {
      await auth.api.signOut({ headers: fromNodeHeaders(request.headers) })
      response.json({ ok: true })
    })
  )
  app.get('/me', requireSession, (_request, response) => {
    response.json({ id: response.locals.userId })
  })
  return benchApp(app, { kind: 'cookie', name: 'better-auth.session_token' })
}
