import type { Session } from './session/Session'

declare global {
  // Express's own augmentation point for request properties.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's session, set by `session()` or `injectSession()`. */
      session: Session
    }
  }
}
