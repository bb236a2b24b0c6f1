import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type Response
} from 'express'
import { createServer, type Server } from 'node:http'
import {
  MemoryEngine,
  session,
  type Engine,
  type SessionMiddleware,
  type SessionOptions
} from 'express-session-registry'
import { API_PATH, apiRoutes, fail } from './api'
import { answerFor } from './errors'
import { attachLiveUpdates, LIVE_SCRIPT, LIVE_SCRIPT_PATH } from './live'
import { currentUser, pageRoutes } from './pages'
import type { TrustProxy } from './trustProxy'
import { PasswordTable } from './users'
import { errorPage } from './views'

/** Options of {@link createDemoApp}. */
export interface DemoAppOptions {
  /** Where sessions are kept. @default a new MemoryEngine */
  engine?: Engine
  /**
   * Express's `trust proxy`, to run behind an HTTPS proxy: the cookie then gets `Secure` and `request.ip`
   * is the client's. Throws at start-up when Express cannot read it. @default off
   */
  trustProxy?: TrustProxy
}

// The pages load nothing from elsewhere: the CSS is inline, the one script (the devices page's live
// updates) and its WebSocket are this origin's.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    // Every page shows someone's sessions: no browser or proxy cache may keep one.
    'Cache-Control': 'no-store'
  })
  next()
}

/** The demo: sign-in pages, a "your devices" page with remote sign-out, and a JSON API for bearer clients. */
export function createDemoApp(options: DemoAppOptions = {}): Express {
  return buildDemo(options).app
}

/** The demo app on an HTTP server that also serves the devices page's live updates (a WebSocket). */
export function createDemoServer(options: DemoAppOptions = {}): Server {
  const { app, sessions, sessionOptions } = buildDemo(options)
  const server = createServer(app)
  attachLiveUpdates(server, sessions, sessionOptions)
  return server
}

function buildDemo(options: DemoAppOptions): {
  app: Express
  sessions: SessionMiddleware
  sessionOptions: SessionOptions
} {
  // Access tracking: every request records its time and IP, so the devices page is up to date.
  const sessionOptions: SessionOptions = { engine: options.engine ?? new MemoryEngine(), trackSessionAccess: true }
  const sessions = session(sessionOptions)
  const passwords = new PasswordTable()
  const app = express()
  app.disable('x-powered-by')
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy)
  app.use(securityHeaders)
  app.get(LIVE_SCRIPT_PATH, (_request: Request, response: Response) => {
    response.type('text/javascript').send(LIVE_SCRIPT)
  })
  app.use(sessions)
  app.use(API_PATH, apiRoutes(passwords))
  app.use(pageRoutes(passwords))
  app.use((request: Request, response: Response) => {
    response.status(404).send(errorPage(404, 'There is no such page.', currentUser(request)))
  })
  const onError: ErrorRequestHandler = (error, request, response, _next) => {
    const { status, message } = answerFor(error)
    // Decided by path, not by router: the session middleware, which runs before both, may be what failed.
    if (request.path === API_PATH || request.path.startsWith(`${API_PATH}/`)) return fail(response, status, message)
    // For the same reason request.session can be missing here.
    response.status(status).send(errorPage(status, message, request.session && currentUser(request)))
  }
  app.use(onError)
  return { app, sessions, sessionOptions }
}
