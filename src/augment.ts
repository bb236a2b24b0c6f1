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
  /** The request's session, set by `session()` or `injectSession()`. */
  session: Session
}

// Two declarations of one property must have the same type, so with express-session's types present
// the property is declared once (theirs) and this library's members reach it through their Session.
type DeclaredKeys = 'expressSessionTypes' extends keyof TypeOptions ? never : 'session'

declare global {
  // Express's own augmentation point for request properties.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Request extends Pick<RegistryRequest, DeclaredKeys> {}
  }
}
