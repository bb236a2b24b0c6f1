import type { MigrationHints } from './optionCheck'

/** express-session's options (and its `cookie` sub-options, as `cookie.<name>`), for `session()`. */
export const EXPRESS_SESSION_HINTS: MigrationHints = {
  secret: 'not needed: tokens are 256 random bits, stored only as hashes (use "registryId" to namespace an engine)',
  name: 'use "cookieName"',
  store: 'use "engine" (a MemoryEngine, a RedisEngine or any token-registry engine)',
  genid: 'not supported: tokens and session ids are random bits from node:crypto',
  rolling: 'not needed: use renews a session by itself (set "idleTimeout"; "trackSessionAccess" records every use)',
  resave: 'not needed: a session is written only when it changes or renews',
  saveUninitialized: 'not needed: nothing is stored before logIn()',
  unset: 'not needed: logOut() deletes the session',
  proxy: 'not needed: set Express\'s "trust proxy" ("secure: \'auto\'" follows it)',
  cookie: 'use the flat cookie options: "httpOnly", "secure", "sameSite", "domain", "path", "partitioned", "priority"',
  'cookie.maxAge': 'use "idleTimeout" (milliseconds); "absoluteTimeout" for a hard limit',
  'cookie.expires': 'use "idleTimeout" or "absoluteTimeout" (milliseconds)',
  'cookie.httpOnly': 'use "httpOnly"',
  'cookie.secure': 'use "secure"',
  'cookie.sameSite': 'use "sameSite"',
  'cookie.domain': 'use "domain"',
  'cookie.path': 'use "path"',
  'cookie.partitioned': 'use "partitioned"',
  'cookie.priority': 'use "priority"',
  'cookie.signed': 'not needed: the token is unguessable, nothing to sign'
}
