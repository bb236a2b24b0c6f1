import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { createContext } from './context'
import type { SessionOptions } from './options'
import { isPending, type MaybePromise } from './maybe'
import { loadSession, Session } from './Session'

/** The middleware `session()` returns. */
export interface SessionMiddleware extends RequestHandler {
  /**
   * Closes the engine this middleware built from a name (`engine: 'redis'`), for a clean shutdown. An
   * engine object passed in, and the shared `'memory'` engine, are left alone: they are the app's.
   */
  release(): Promise<void>
}

/**
 * Session middleware: sets `request.session` from the request's token and calls `next()`; an engine
 * failure goes to `next(err)` instead, exactly once. Options are validated here, once: an invalid one
 * throws a `TypeError` naming it.
 */
export function session(options?: SessionOptions): SessionMiddleware {
  // Each middleware gets its own context (and so its own engine when the engine is given by name).
  const key: SessionOptions = options ?? {}
  const { store } = createContext(key)
  function sessionMiddleware(request: Request, response: Response, next: NextFunction): void {
    let loading: MaybePromise<void>
    try {
      loading = attachSession(request, response, key)
    } catch (error) {
      next(error)
      return
    }
    // Outside the try: an error thrown further down the chain is not ours to report a second time.
    if (isPending(loading)) Promise.resolve(loading).then(() => next(), next)
    else next()
  }
  return Object.assign(sessionMiddleware, { release: () => store.release() })
}

/**
 * Does what the middleware does without being one: sets and loads `request.session`. Rejects when the
 * engine fails. Pass the same options object on every call so the engine is set up once.
 */
export async function injectSession(request: Request, response: Response, options?: SessionOptions): Promise<void> {
  await attachSession(request, response, options)
}

/** Sets `request.session` and loads it: at once when the engine answers at once. */
function attachSession(request: Request, response: Response, options: SessionOptions | undefined): MaybePromise<void> {
  const session = new Session(request, response, options)
  request.session = session
  return loadSession(session)
}

/** Route guard: `next()` when the request is authenticated, otherwise ends the response with 401. */
export function authenticateRequest(request: Request, response: Response, next: NextFunction): void {
  if (request.session?.authenticated) next()
  else response.status(401).end()
}
