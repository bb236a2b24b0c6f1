import type { Session } from './session/Session'

/**
 * Type switches an app sets by augmenting this interface. During a move from express-session, whose
 * types (`@types/express-session`, also loaded by connect-redis's) declare `request.session` too, add
 * `expressSessionTypes: true` to leave that declaration alone and merge this library's `Session` into
 * express-session's (docs/migrating.md shows the file).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TypeOptions {}

/** A request as this library sets it, for its own code: typed without the global augmentation. */
export interface RequestWithSession {
  session?: Session
}

interface RegistryRequest {
  /**
   * The request's session, set by `session()` or `injectSession()`; on socket.io's `socket.request`, by
   * `io.engine.use(session())`.
   */
  session: Session
}

// Two declarations of one property must have the same type, so with express-session's types present
// the property is declared once (theirs) and this library's members reach it through their Session.
type DeclaredKeys = 'expressSessionTypes' extends keyof TypeOptions ? never : 'session'

// Node's `http.IncomingMessage` carries the session too, for code that is handed the raw request:
// socket.io's `socket.request`, a plain `http` server's handler. Express's `Request` extends both
// `IncomingMessage` and `Express.Request`, and TypeScript requires the two declarations of `session` to
// be identical, so it is a copy of whichever `Express.Request` has (this library's, or express-session's
// in `expressSessionTypes` mode). Hence not optional, though a request no `session()` saw has none: the
// same promise as on an Express route that `session()` does not cover.
type MirroredKeys = Extract<keyof Express.Request, 'session'>

declare module 'http' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface IncomingMessage extends Pick<Express.Request, MirroredKeys> {}
}

declare global {
  // Express's own augmentation point for request properties.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Request extends Pick<RegistryRequest, DeclaredKeys> {}
  }
}
