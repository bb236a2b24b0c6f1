import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestWithSession } from './augment'
import { contextFor, createContext, type SessionContext } from './context'
import { invalidOption } from './errors'
import type { SessionEventMap, SessionListener } from './events'
import type { SessionOptions } from './options'
import { isPending, type MaybePromise } from './maybe'
import { load } from './session/load'
import { engineReady } from './readiness'
import { acceptsBearer, sessionOf, type Session } from './session/Session'
import { newState, reportEngineError } from './session/state'

/**
 * The middleware `session()` returns. It takes Express requests and raw Node ones alike, so it also
 * serves as socket.io's `io.engine.use()` middleware.
 */
export interface SessionMiddleware {
  (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void
  /**
   * Closes the engine this middleware built from a name (`engine: 'redis'`), for a clean shutdown. An
   * engine object passed in, and the shared `'memory'` engine, are left alone: they are the app's.
   */
  release(): Promise<void>
  /**
   * Connects and checks the engine: resolves once it has answered, rejects with a `SessionEngineError`
   * naming the option to fix (and the package to install when a client is missing). Await it at start-up
   * so a misconfigured engine stops the app instead of failing every authenticated request.
   */
  ready(): Promise<void>
  /**
   * Adds a listener for one of the events of {@link SessionEventMap} (`'logIn'`, `'logOut'`, `'revoke'`,
   * `'renew'`, `'engineError'`, `'invalidToken'`, `'expired'`, `'crossSiteRefused'`, `'rotate'`,
   * `'tokenReuse'`): for sessions served by this middleware and by static `Session` calls given the same options object. A listener
   * that throws or rejects is reported with `process.emitWarning`, never to the request.
   */
  on<E extends keyof SessionEventMap>(event: E, listener: SessionListener<E>): SessionMiddleware
}

/**
 * Session middleware: sets `request.session` from the request's token and calls `next()`; an engine
 * failure goes to `next(err)` instead, exactly once. Options are validated here, once: an invalid one
 * throws a `TypeError` naming it.
 */
export function session(options?: SessionOptions): SessionMiddleware {
  // Built once and handed to every session this middleware serves: its own engine (when given by name)
  // and its own listeners, even when another session() call was given the same options object.
  const context = createContext(options ?? {})
  function sessionMiddleware(
    request: IncomingMessage,
    response: ServerResponse,
    next: (error?: unknown) => void
  ): void {
    let loading: MaybePromise<void>
    try {
      loading = attachSession(request, response, context)
    } catch (error) {
      reportEngineError(context, error, request)
      next(error)
      return
    }
    // Outside the try: an error thrown further down the chain is not ours to report a second time.
    if (isPending(loading))
      Promise.resolve(loading).then(
        () => next(),
        (error: unknown) => {
          reportEngineError(context, error, request)
          next(error)
        }
      )
    else next()
  }
  const middleware: SessionMiddleware = Object.assign(sessionMiddleware, {
    release: () => context.store.release(),
    ready: () => engineReady(context),
    on<E extends keyof SessionEventMap>(event: E, listener: SessionListener<E>): SessionMiddleware {
      context.events.on(event, listener)
      return middleware
    }
  })
  return middleware
}

/**
 * Does what the middleware does without being one: sets and loads `request.session`. Rejects when the
 * engine fails. Pass the same options object on every call so the engine is set up once.
 */
export async function injectSession(request: Request, response: Response, options?: SessionOptions): Promise<void> {
  const context = contextFor(options)
  try {
    await attachSession(request, response, context)
  } catch (error) {
    reportEngineError(context, error, request)
    throw error
  }
}

/**
 * The session of a request that has no response to answer with, such as a `ws` WebSocket upgrade: it
 * can be read, listed and logged out, but not logged in. Rejects when the engine fails.
 */
export async function readSession(request: IncomingMessage, options?: SessionOptions): Promise<Session> {
  const context = contextFor(options)
  const state = newState(request, undefined, context)
  try {
    await load(state)
  } catch (error) {
    reportEngineError(context, error, request)
    throw error
  }
  return sessionOf(state)
}

/** Sets `request.session` and loads it: at once when the engine answers at once. */
function attachSession(
  request: IncomingMessage,
  response: ServerResponse,
  context: SessionContext
): MaybePromise<void> {
  const state = newState(request, response, context)
  ;(request as RequestWithSession).session = sessionOf(state)
  return load(state)
}

/** Route guard: `next()` when the request is authenticated, otherwise ends the response with 401. */
export function authenticateRequest(request: Request, response: Response, next: NextFunction): void {
  const { session } = request as RequestWithSession
  if (session?.authenticated) next()
  else unauthorized(response, readsBearer(session))
}

/**
 * The 401 of a route that needs a session. Where Bearer tokens are read it names the scheme (RFC 6750),
 * so a client knows how to authenticate; a cookie-only app offers no scheme.
 */
function unauthorized(response: Response, bearer: boolean): void {
  if (bearer) response.setHeader('WWW-Authenticate', 'Bearer')
  response.status(401).end()
}

/**
 * Whether the session's middleware reads Bearer tokens; true when it cannot tell (no session, or a
 * `request.session` another library set, as during a move from express-session).
 */
function readsBearer(session: Session | undefined): boolean {
  return typeof session?.[acceptsBearer] === 'function' ? session[acceptsBearer]() : true
}

/**
 * Route guard that loads the session itself: `next()` when the request is authenticated, otherwise 401
 * (with `WWW-Authenticate: Bearer` where Bearer tokens are read). When `session()` (or `injectSession()`) already set
 * `request.session`, that session is checked as it is; otherwise it is loaded here from `options` and
 * set on the request, so a route that needs a session pays one handler and a route that does not pays
 * nothing. An engine failure goes to `next(err)` (a `SessionEngineError`, status 503). Options are
 * validated once, when the guard is made; pass the options object `session()` was given to share its
 * engine and listeners.
 */
export function requireSession(options?: SessionOptions): RequestHandler {
  const context = contextFor(options)
  return function sessionGuard(request: Request, response: Response, next: NextFunction): void {
    const present = (request as RequestWithSession).session
    if (present !== undefined) {
      admitIf(present, response, next)
      return
    }
    const state = newState(request, response, context)
    const session = sessionOf(state)
    ;(request as RequestWithSession).session = session
    let loading: MaybePromise<void>
    try {
      loading = load(state)
    } catch (error) {
      reportEngineError(context, error, request)
      next(error)
      return
    }
    // Outside the try: an error thrown further down the chain is not ours to report.
    if (!isPending(loading)) {
      admitIf(session, response, next)
      return
    }
    Promise.resolve(loading).then(
      () => admitIf(session, response, next),
      (error: unknown) => {
        reportEngineError(context, error, request)
        next(error)
      }
    )
  }
}

function admitIf(session: Session, response: Response, next: NextFunction): void {
  if (session.authenticated) next()
  else unauthorized(response, readsBearer(session))
}

/** What `requireRecentLogin()` answers with its 403. */
export const RECENT_LOGIN_REQUIRED = 'A recent login is required: log in again to continue.'

/**
 * Route guard for sensitive actions (changing a password or an e-mail address): `next()` when the
 * session was logged in at most `maxAgeMs` milliseconds ago; 401 without a session; 403 with a JSON
 * (`{ error: 'recent_login_required', message }`) or text body when the log in is older. Logging in
 * again makes it fresh. Throws a `TypeError` when `maxAgeMs` is not a positive whole number.
 */
export function requireRecentLogin(maxAgeMs: number): RequestHandler {
  if (!(typeof maxAgeMs === 'number' && Number.isSafeInteger(maxAgeMs) && maxAgeMs > 0)) {
    throw invalidOption('maxAgeMs', maxAgeMs, 'a positive whole number of milliseconds')
  }
  return function recentLoginGuard(request: Request, response: Response, next: NextFunction): void {
    const { session } = request as RequestWithSession
    const { authenticated, firstAccessed } = session ?? {}
    if (!authenticated || !firstAccessed) {
      unauthorized(response, readsBearer(session))
      return
    }
    if (Date.now() - firstAccessed.getTime() <= maxAgeMs) {
      next()
      return
    }
    response.status(403)
    if (request.accepts(['text', 'json']) === 'json') {
      response.json({ error: 'recent_login_required', message: RECENT_LOGIN_REQUIRED })
    } else response.type('text').send(RECENT_LOGIN_REQUIRED)
  }
}
