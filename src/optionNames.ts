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

/** connect-pg-simple's options, for `PostgresEngine`. */
export const CONNECT_PG_SIMPLE_HINTS: MigrationHints = {
  conString: 'use "connectionString"',
  conObject: 'put the pg.Pool options ("host", "user", "database", ...) at the top level, or pass a pg.Pool as "pool"',
  pgPromise: 'not supported: pass a pg.Pool as "pool"',
  tableName: 'use "table"',
  schemaName: 'use "schema"',
  createTableIfMissing: 'use "createTable" (on by default here)',
  pruneSessionInterval: 'use "sweepInterval" (milliseconds, not seconds; Infinity turns the sweep off)',
  pruneSessionRandomizedInterval: 'not needed: each sweep removes a bounded batch, so instances may sweep together',
  ttl: 'sessions expire by session()\'s "idleTimeout" and "absoluteTimeout" (milliseconds)',
  disableTouch: 'not needed: renewal writes at most once per half of session()\'s "idleTimeout"',
  errorLog: 'not needed: failures reach Express\'s error handler and the "engineError" event'
}

/** The options of memorystore (express-session's usual memory store), for `MemoryEngine`. */
export const MEMORYSTORE_HINTS: MigrationHints = {
  checkPeriod: 'use "sweepInterval" (milliseconds)',
  max: 'use "maxSessions"',
  ttl: 'sessions expire by session()\'s "idleTimeout" (milliseconds)'
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
 * Throws a `TypeError` for the first option that is not in `known`: a name from `hints` gets what to use
 * here, a misspelling the closest known name.
 */
export function rejectUnknownOptions(
  owner: string,
  options: object,
  known: ReadonlySet<string>,
  hints: MigrationHints
): void {
  rejectMigratedOptions(owner, options, hints)
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue
    const closest = closestName(name, known)
    throw optionError(owner, name, closest === undefined ? 'check its spelling' : `did you mean "${closest}"?`)
  }
}

/** The known name a few edits away from `name` (case ignored), if one is close enough to be a typo of it. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase()
  // A third of the name, at least one and at most three edits: "maxSesions" finds "maxSessions", "x" finds nothing.
  const tolerance = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)))
  let best: string | undefined
  let bestDistance = tolerance + 1
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

// Levenshtein distance with adjacent transpositions (optimal string alignment), two rows at a time.
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      let distance = Math.min(previous[j] + 1, current[j - 1] + 1, substitution)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, beforePrevious[j - 2] + 1)
      }
      current.push(distance)
    }
    beforePrevious = previous
    previous = current
  }
  return previous[b.length]
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
