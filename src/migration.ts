import { notAnOption } from './errors'

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

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key)
}

/** Throws a `TypeError` for the first option named in `hints`, saying what to use instead. */
export function rejectMigratedOptions(owner: string, options: object, hints: MigrationHints): void {
  for (const name of Object.keys(options)) {
    if (!hasOwn(hints, name)) continue
    const value: unknown = (options as Record<string, unknown>)[name]
    if (name === 'cookie' && value !== null && typeof value === 'object') {
      const inner = Object.keys(value).find((key) => hasOwn(hints, `cookie.${key}`))
      if (inner !== undefined) throw notAnOption(owner, `cookie.${inner}`, hints[`cookie.${inner}`])
    }
    throw notAnOption(owner, name, hints[name])
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
    throw notAnOption(owner, name, spelled === undefined ? 'check its spelling' : `did you mean "${spelled}"?`)
  }
}
