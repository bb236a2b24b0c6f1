import type { SessionOptions } from './options'

/**
 * Option names borrowed from the libraries people migrate from, each with what to use here. Accepting
 * them silently would leave the app on defaults it never chose (express-session's `cookie.maxAge`
 * ignored means 30-day sessions), so they are refused with the way forward.
 */
export type MigrationHints = Readonly<Record<string, string>>

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

/** connect-redis's options, for `RedisEngine`. */
export const CONNECT_REDIS_HINTS: MigrationHints = {
  prefix: 'use "identifier"',
  ttl: 'use "expireAfter" (seconds) for entries without an expiry; sessions expire by session()\'s "idleTimeout"',
  serializer: 'not supported: entries are stored as compact JSON',
  scanCount: 'not needed: the engine keeps a per-user index and never scans on a request',
  disableTouch: 'not needed: renewal writes at most once per half of session()\'s "idleTimeout"',
  disableTTL: 'not supported: every entry expires with its session'
}

function optionError(owner: string, name: string, detail: string): TypeError {
  return new TypeError(`express-session-registry: option "${name}" is not an option of ${owner}: ${detail}`)
}

/** Throws a `TypeError` for the first option named in `hints`, saying what to use instead. */
export function rejectMigratedOptions(owner: string, options: object, hints: MigrationHints): void {
  for (const name of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(hints, name)) continue
    const value: unknown = (options as Record<string, unknown>)[name]
    if (name === 'cookie' && value !== null && typeof value === 'object') {
      const inner = Object.keys(value).find((key) => Object.prototype.hasOwnProperty.call(hints, `cookie.${key}`))
      if (inner !== undefined) throw optionError(owner, `cookie.${inner}`, hints[`cookie.${inner}`])
    }
    throw optionError(owner, name, hints[name])
  }
}

/**
 * Throws a `TypeError` for the first option that is not in `known`: express-session's names get what to
 * use here, a wrong case gets the right spelling.
 */
export function rejectUnknownOptions(owner: string, options: object, known: ReadonlySet<string>): void {
  rejectMigratedOptions(owner, options, EXPRESS_SESSION_HINTS)
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue
    const spelled = [...known].find((candidate) => candidate.toLowerCase() === name.toLowerCase())
    throw optionError(owner, name, spelled === undefined ? 'check its spelling' : `did you mean "${spelled}"?`)
  }
}

// Typed against SessionOptions, so an option added there and not here fails to compile.
const OPTION_NAMES: Record<keyof SessionOptions, true> = {
  engine: true,
  engineOptions: true,
  registryId: true,
  seed: true,
  cookieName: true,
  trackSessionAccess: true,
  httpOnly: true,
  secure: true,
  sameSite: true,
  domain: true,
  path: true,
  partitioned: true,
  priority: true,
  httpOnlyCookie: true,
  secureCookie: true,
  sameSiteCookie: true,
  idleTimeout: true,
  absoluteTimeout: true,
  csrfProtection: true,
  trustedOrigins: true,
  maxSessionsPerUser: true,
  maxDataBytes: true
}
/** Every option `session()` takes. */
export const SESSION_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(OPTION_NAMES))
