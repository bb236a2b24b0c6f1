// For the length of a move from express-session: @types/express-session (loaded by connect-redis's types
// too) and this library both declare request.session. Delete this file with express-session.
import type { Session as RegistrySession } from 'express-session-registry'

declare module 'express-session-registry' {
  interface TypeOptions {
    // This library leaves request.session to express-session's declaration...
    expressSessionTypes: true
  }
}

declare module 'express-session' {
  // ...and merges its own Session into express-session's: logIn(), data, authenticated are all there.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Session extends RegistrySession {}
}
