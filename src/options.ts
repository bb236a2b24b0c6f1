import type { Engine } from './engine'
import { invalidOption } from './errors'
import { registryKeys, type RegistryKeys } from './keys'
import { EXPRESS_SESSION_HINTS } from './migration'
import { rejectUnknownOptions } from './optionCheck'
import { SESSION_OPTION_LIST, SESSION_OPTION_NAMES } from './optionNames'

const SECOND_MS = 1_000
const DAY_MS = 24 * 60 * 60 * SECOND_MS

/** Idle timeout used when none is given: 30 days. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * DAY_MS
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); we never ask for more. */
export const MAX_COOKIE_AGE_MS = 400 * DAY_MS

/** Largest session data accepted when none is given: 4 KiB serialized. */
export const DEFAULT_MAX_DATA_BYTES = 4096

/** The `SameSite` cookie attribute. */
export type SameSite = 'lax' | 'strict' | 'none'

/** Options of `session()`, `injectSession()` and the static `Session` methods. */
export interface SessionOptions {
  /**
   * Where sessions are kept: an engine object (any `@universal-packages/token-registry` engine works), or
   * a name: `'memory'` (one process-wide {@link MemoryEngine}), `'redis'` or `'postgres'` (a `RedisEngine`
   * or `PostgresEngine` built from `engineOptions`, connected once per middleware), or any name the token
   * registry resolves.
   * @default 'memory'
   */
  engine?: string | Engine
  /** Options for an engine given by name. */
  engineOptions?: Record<string, unknown>
  /**
   * Namespaces the registry: tokens are stored as HMAC-SHA-256(registryId, token) instead of
   * SHA-256(token), so registries sharing one engine never see each other's sessions.
   */
  registryId?: string
  /** The token registry's name for {@link registryId}; `registryId` wins when both are given. */
  seed?: string
  /** Name of the cookie that carries the token. `__Host-` names are honoured (Secure, no Domain). @default 'session' */
  cookieName?: string
  /** Writes last access time and IP to the engine on every authenticated request. @default false */
  trackSessionAccess?: boolean
  /** `HttpOnly` cookie attribute: scripts cannot read the token. @default true */
  httpOnly?: boolean
  /** `Secure` cookie attribute; `'auto'` sets it when Express sees the request as HTTPS (`req.secure`). @default 'auto' */
  secure?: boolean | 'auto'
  /** `SameSite` cookie attribute; `'none'` requires `secure: true`. @default 'lax' */
  sameSite?: SameSite
  /** `Domain` cookie attribute. @default host-only */
  domain?: string
  /** `Path` cookie attribute. @default '/' */
  path?: string
  /** `Partitioned` cookie attribute (CHIPS); requires `secure: true`. @default false */
  partitioned?: boolean
  /** `Priority` cookie attribute. @default none */
  priority?: 'low' | 'medium' | 'high'
  /** Upstream name of {@link httpOnly}. */
  httpOnlyCookie?: boolean
  /** Upstream name of {@link secure}. */
  secureCookie?: boolean | 'auto'
  /** Upstream name of {@link sameSite}. */
  sameSiteCookie?: SameSite
  /**
   * Milliseconds of inactivity after which a session is gone; `false` for none. Use renews it, writing
   * at most once per half of it (so a session lives between half and all of it after its last use).
   * @default 2_592_000_000 (30 days)
   */
  idleTimeout?: number | false
  /** Milliseconds after log in at which a session ends however active it is; `false` for none. @default false */
  absoluteTimeout?: number | false
  /**
   * Cross-site request forgery guard: a session carried by the cookie is not honoured on a POST, PUT,
   * PATCH or DELETE whose `Origin` is foreign or whose `Sec-Fetch-Site` is `cross-site`. Bearer tokens
   * are unaffected. @default true
   */
  csrfProtection?: boolean
  /** Origins (`https://app.example.com`) besides the request's own whose unsafe requests may use the cookie. @default [] */
  trustedOrigins?: readonly string[]
  /** The largest session data, in bytes of its JSON; `updateData()` and `logIn()` refuse more with a `TypeError`. @default 4096 */
  maxDataBytes?: number
  /**
   * Most sessions one authenticatable may hold: a log in past it ends that user's least recently used
   * sessions (by the last access recorded), so one account cannot fill the store. @default 100
   */
  maxSessionsPerUser?: number
  /**
   * Milliseconds an engine call may take: past it the call fails with a `SessionEngineTimeoutError`
   * (a `SessionEngineError`, status 503) and the request goes to `next(err)`, so a hung store never
   * hangs a request. `0` or `Infinity` waits forever. @default 5000
   */
  engineTimeout?: number
}

// Fails to compile when an option is added to SessionOptions and not to the list of names, or the reverse.
type UnlistedOption = Exclude<keyof SessionOptions, (typeof SESSION_OPTION_LIST)[number]>
type UnknownListedOption = Exclude<(typeof SESSION_OPTION_LIST)[number], keyof SessionOptions>
const optionListComplete: [UnlistedOption | UnknownListedOption] extends [never] ? true : never = true
void optionListComplete

/** Sessions one authenticatable may hold when `maxSessionsPerUser` is not given. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 100

// setTimeout fires at once for a longer delay.
const MAX_TIMER_MS = 2 ** 31 - 1

/** How long an engine call may take when `engineTimeout` is not given: 5 seconds. */
export const DEFAULT_ENGINE_TIMEOUT_MS = 5 * SECOND_MS

/** Cookie attributes after validation. */
export interface CookieConfig {
  readonly name: string
  readonly httpOnly: boolean
  readonly secure: boolean | 'auto'
  readonly sameSite: SameSite
  readonly domain: string | undefined
  readonly path: string
  readonly partitioned: boolean
  readonly priority: 'low' | 'medium' | 'high' | undefined
}

/** Options resolved once, validated and frozen; the registry's keys come from `keys.ts`. */
export interface SessionConfig extends RegistryKeys {
  readonly engine: string | Engine
  readonly engineOptions: Record<string, unknown> | undefined
  readonly trackSessionAccess: boolean
  readonly cookie: CookieConfig
  readonly idleTimeoutMs: number | null
  readonly absoluteTimeoutMs: number | null
  readonly csrfProtection: boolean
  readonly trustedOrigins: ReadonlySet<string>
  readonly maxDataBytes: number
  readonly maxSessionsPerUser: number
  /** `Infinity` when disabled. */
  readonly engineTimeoutMs: number
}

// RFC 6265 cookie-name token characters.
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const SAME_SITE_VALUES: readonly string[] = ['lax', 'strict', 'none']
const PRIORITY_VALUES: readonly string[] = ['low', 'medium', 'high']

type Check = (value: unknown) => boolean
const isBoolean: Check = (value) => typeof value === 'boolean'
const isNonEmptyString: Check = (value) => typeof value === 'string' && value.length > 0
const isDuration: Check = (value) =>
  value === false || (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)

/** The value of an option that has an upstream alias, and the name it was given under. */
function aliased<K extends keyof SessionOptions>(
  options: SessionOptions,
  name: K,
  alias: keyof SessionOptions
): [string, unknown] {
  return options[name] === undefined && options[alias] !== undefined ? [alias, options[alias]] : [name, options[name]]
}

function pick<T>(name: string, value: unknown, fallback: T, check: Check, expected: string): T {
  if (value === undefined) return fallback
  if (!check(value)) throw invalidOption(name, value, expected)
  return value as T
}

function isEngine(value: unknown): value is Engine {
  if (value === null || typeof value !== 'object') return false
  const engine = value as Record<string, unknown>
  return ['get', 'set', 'getAll', 'delete', 'clear'].every((method) => typeof engine[method] === 'function')
}

function normalizeOrigin(origin: unknown): string {
  if (typeof origin !== 'string')
    throw invalidOption('trustedOrigins', origin, 'an array of origins such as "https://example.com"')
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    throw invalidOption('trustedOrigins', origin, 'an array of origins such as "https://example.com"')
  }
  if (url.origin === 'null' || url.origin !== origin.replace(/\/$/, '').toLowerCase()) {
    throw invalidOption('trustedOrigins', origin, 'an array of bare origins (scheme, host and port only)')
  }
  return url.origin
}

/** Validates options once (at `session()` time) and resolves their defaults. Throws a `TypeError` naming a bad option. */
export function resolveOptions(options: SessionOptions = {}): SessionConfig {
  if (options === null || typeof options !== 'object') throw invalidOption('options', options, 'an object')
  rejectUnknownOptions('session()', options, SESSION_OPTION_NAMES, EXPRESS_SESSION_HINTS)

  const engine = options.engine ?? 'memory'
  if (!(isNonEmptyString(engine) || isEngine(engine))) {
    throw invalidOption('engine', engine, 'an engine name or an object with get, set, getAll, delete and clear methods')
  }
  const engineOptions = pick<Record<string, unknown> | undefined>(
    'engineOptions',
    options.engineOptions,
    undefined,
    (value) => value !== null && typeof value === 'object',
    'an object'
  )
  const registryId = pick<string | undefined>(
    'registryId',
    options.registryId,
    undefined,
    isNonEmptyString,
    'a non-empty string'
  )
  const seed = pick<string | undefined>('seed', options.seed, undefined, isNonEmptyString, 'a non-empty string')

  const cookieName = pick(
    'cookieName',
    options.cookieName,
    'session',
    (value) => typeof value === 'string' && COOKIE_NAME_PATTERN.test(value),
    'a cookie name (RFC 6265 token characters)'
  )
  const httpOnly = pick(...aliased(options, 'httpOnly', 'httpOnlyCookie'), true, isBoolean, 'a boolean')
  const secure = pick<boolean | 'auto'>(
    ...aliased(options, 'secure', 'secureCookie'),
    'auto',
    (value) => isBoolean(value) || value === 'auto',
    "true, false or 'auto'"
  )
  const sameSite = pick<SameSite>(
    ...aliased(options, 'sameSite', 'sameSiteCookie'),
    'lax',
    (value) => SAME_SITE_VALUES.includes(value as string),
    "'lax', 'strict' or 'none'"
  )
  const domain = pick<string | undefined>(
    'domain',
    options.domain,
    undefined,
    (value) => typeof value === 'string' && /^\.?[A-Za-z0-9.-]+$/.test(value),
    'a domain name'
  )
  const path = pick(
    'path',
    options.path,
    '/',
    (value) => typeof value === 'string' && /^\/[\x21-\x3a\x3c-\x7e]*$/.test(value),
    'a path starting with "/"'
  )
  const partitioned = pick('partitioned', options.partitioned, false, isBoolean, 'a boolean')
  const priority = pick<'low' | 'medium' | 'high' | undefined>(
    'priority',
    options.priority,
    undefined,
    (value) => PRIORITY_VALUES.includes(value as string),
    "'low', 'medium' or 'high'"
  )

  // Browsers drop these cookies silently; failing at start-up beats a login that never sticks.
  if (sameSite === 'none' && secure !== true)
    throw invalidOption('sameSite', sameSite, "used with secure: true ('none' needs Secure)")
  if (partitioned && secure !== true)
    throw invalidOption('partitioned', partitioned, 'used with secure: true (Partitioned needs Secure)')
  if (cookieName.startsWith('__Host-')) {
    if (secure !== true) throw invalidOption('secure', secure, 'true for a __Host- cookie name')
    if (domain !== undefined) throw invalidOption('domain', domain, 'unset for a __Host- cookie name')
    if (path !== '/') throw invalidOption('path', path, '"/" for a __Host- cookie name')
  }
  if (cookieName.startsWith('__Secure-') && secure !== true)
    throw invalidOption('secure', secure, 'true for a __Secure- cookie name')

  const idleTimeout = pick<number | false>(
    'idleTimeout',
    options.idleTimeout,
    DEFAULT_IDLE_TIMEOUT_MS,
    isDuration,
    'a positive whole number of milliseconds, or false'
  )
  const absoluteTimeout = pick<number | false>(
    'absoluteTimeout',
    options.absoluteTimeout,
    false,
    isDuration,
    'a positive whole number of milliseconds, or false'
  )
  const trackSessionAccess = pick('trackSessionAccess', options.trackSessionAccess, false, isBoolean, 'a boolean')
  const csrfProtection = pick('csrfProtection', options.csrfProtection, true, isBoolean, 'a boolean')
  const trustedOrigins = pick<readonly string[]>(
    'trustedOrigins',
    options.trustedOrigins,
    [],
    Array.isArray,
    'an array of origins such as "https://example.com"'
  )
  const maxSessionsPerUser = pick(
    'maxSessionsPerUser',
    options.maxSessionsPerUser,
    DEFAULT_MAX_SESSIONS_PER_USER,
    (value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0,
    'a positive whole number'
  )

  const maxDataBytes = pick(
    'maxDataBytes',
    options.maxDataBytes,
    DEFAULT_MAX_DATA_BYTES,
    (value) => Number.isSafeInteger(value) && (value as number) > 0,
    'a positive whole number of bytes'
  )

  const engineTimeout = pick(
    'engineTimeout',
    options.engineTimeout,
    DEFAULT_ENGINE_TIMEOUT_MS,
    (value) =>
      value === Infinity ||
      (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIMER_MS),
    'a whole number of milliseconds up to 2147483647, or 0 or Infinity (no deadline)'
  )

  return Object.freeze({
    engine,
    engineOptions,
    ...registryKeys(registryId ?? seed),
    trackSessionAccess,
    cookie: Object.freeze({ name: cookieName, httpOnly, secure, sameSite, domain, path, partitioned, priority }),
    idleTimeoutMs: idleTimeout === false ? null : idleTimeout,
    absoluteTimeoutMs: absoluteTimeout === false ? null : absoluteTimeout,
    csrfProtection,
    trustedOrigins: new Set(trustedOrigins.map(normalizeOrigin)),
    maxDataBytes,
    maxSessionsPerUser,
    engineTimeoutMs: engineTimeout === 0 ? Infinity : engineTimeout
  })
}
