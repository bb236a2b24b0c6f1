import { resolveCookieOptions, type CookieConfig, type SameSite } from './cookieOptions'
import type { Engine } from './engine'
import { invalidOption } from './errors'
import { registryKeys, type RegistryKeys } from './keys'
import { EXPRESS_SESSION_HINTS } from './migration'
import { rejectUnknownOptions } from './optionCheck'
import { SESSION_OPTION_LIST, SESSION_OPTION_NAMES } from './optionNames'
import { isBoolean, isNonEmptyString, isDuration, isPositiveInteger, pick } from './optionPick'

export type { CookieConfig, SameSite } from './cookieOptions'

const SECOND_MS = 1_000
const DAY_MS = 24 * 60 * 60 * SECOND_MS

/** Idle timeout used when none is given: 30 days. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * DAY_MS
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis); we never ask for more. */
export const MAX_COOKIE_AGE_MS = 400 * DAY_MS

/** How long a rotated-out token still stands for its session when `rotationGrace` is not given: 10 seconds. */
export const DEFAULT_ROTATION_GRACE_MS = 10 * SECOND_MS

/** Largest session data accepted when none is given: 4 KiB serialized. */
export const DEFAULT_MAX_DATA_BYTES = 4096

/** A carrier of the token: the session cookie, or an `Authorization: Bearer` header. */
export type Transport = 'cookie' | 'bearer'

/**
 * The modes of the cross-site rule: `true` (refuse what a browser marks or shows as cross-site),
 * `'strict'` (also refuse an unsafe request with none of `Sec-Fetch-Site`, `Origin`, `Referer`, and
 * compare the scheme), `'report-only'` (judge as `'strict'` does, emit `'crossSiteRefused'`, refuse
 * nothing), `false` (off).
 */
export type CsrfProtection = boolean | 'strict' | 'report-only'

/** The carriers of the token a registry reads and writes. */
export interface TransportConfig {
  readonly cookie: boolean
  readonly bearer: boolean
}

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
  /**
   * Name of the cookie that carries the token. The prefixes `__Secure-`, `__Host-`, `__Http-` and
   * `__Host-Http-` (in any case, as browsers match them) are checked: Secure, and no Domain and path `/`
   * for the host ones, HttpOnly for the Http ones. @default 'session'
   */
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
   * at most once per {@link maxWriteInterval} (so a session lives between the idle timeout less that
   * interval and the whole of it after its last use).
   * @default 2_592_000_000 (30 days)
   */
  idleTimeout?: number | false
  /**
   * The longest, in milliseconds, that use of a session may go unwritten: the effective idle timeout is
   * within this of `idleTimeout`. Smaller is more exact and costs more writes: a busy session is written
   * at most once per interval (`0`: on every request). Less than `idleTimeout`.
   * @default half of idleTimeout
   */
  maxWriteInterval?: number
  /** Milliseconds after log in at which a session ends however active it is; `false` for none. @default false */
  absoluteTimeout?: number | false
  /**
   * Token rotation: a token older than this many milliseconds is replaced on the session's next request
   * (a new cookie, or for a Bearer client a new `Authorization` response header), keeping the session's
   * id, data and facts. A rotated-out token used after {@link rotationGrace} ends the whole session and
   * emits `'tokenReuse'`: a stolen token and its owner cannot both keep using it. `false`: only
   * `request.session.rotate()` rotates. @default false
   */
  rotateAfter?: number | false
  /**
   * Milliseconds a rotated-out token still stands for its session, so that requests already in flight
   * with it succeed; `0` for none. @default 10_000 (10 seconds)
   */
  rotationGrace?: number
  /**
   * Cross-site request forgery guard: a session carried by the cookie is not honoured on a POST, PUT,
   * PATCH or DELETE, a WebSocket upgrade or an engine.io request (socket.io's polling) whose
   * `Sec-Fetch-Site` is `cross-site` or `same-site`, or whose `Origin` (else `Referer`) is foreign, and a
   * log in answered to such a request is refused. `'strict'` also refuses one that carries none of the
   * three headers and compares the scheme; `'report-only'` judges as `'strict'` and only emits
   * `'crossSiteRefused'`. Bearer tokens are unaffected. @default true
   */
  csrfProtection?: CsrfProtection
  /**
   * Which carriers of the token are read and written: `'cookie'` (the session cookie) and `'bearer'` (an
   * `Authorization: Bearer` header, and the `Authorization` response header of `logIn()`). With
   * `['cookie']` no response carries the token outside `Set-Cookie`; with `['bearer']` no cookie is read
   * or set. @default ['cookie', 'bearer']
   */
  transports?: readonly Transport[]
  /**
   * Whether the cookie outlives the browser session (`Max-Age` following the session's expiry); `false`
   * sends a browser-session cookie. `logIn(id, { persistent })` chooses per log in ("remember me"). The
   * server-side timeouts hold either way. @default true
   */
  persistentCookie?: boolean
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

/** Options resolved once, validated and frozen; the registry's keys come from `keys.ts`. */
export interface SessionConfig extends RegistryKeys {
  readonly engine: string | Engine
  readonly engineOptions: Record<string, unknown> | undefined
  readonly trackSessionAccess: boolean
  readonly cookie: CookieConfig
  readonly idleTimeoutMs: number | null
  /** The longest use may go unwritten; `null` without an idle timeout (nothing to renew). */
  readonly maxWriteIntervalMs: number | null
  readonly absoluteTimeoutMs: number | null
  /** `null` when tokens are rotated only on demand. */
  readonly rotateAfterMs: number | null
  readonly rotationGraceMs: number
  readonly csrfProtection: CsrfProtection
  readonly transports: TransportConfig
  readonly persistentCookie: boolean
  readonly trustedOrigins: ReadonlySet<string>
  readonly maxDataBytes: number
  readonly maxSessionsPerUser: number
  /** `Infinity` when disabled. */
  readonly engineTimeoutMs: number
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

  const cookie = resolveCookieOptions(options)

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
  const idleTimeoutMs = idleTimeout === false ? null : idleTimeout
  const maxWriteInterval = pick<number | undefined>(
    'maxWriteInterval',
    options.maxWriteInterval,
    undefined,
    (value) =>
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      value >= 0 &&
      (idleTimeoutMs === null || value < idleTimeoutMs),
    'a whole number of milliseconds, 0 or more and less than idleTimeout'
  )
  const rotateAfter = pick<number | false>(
    'rotateAfter',
    options.rotateAfter,
    false,
    isDuration,
    'a positive whole number of milliseconds, or false'
  )
  const rotationGrace = pick(
    'rotationGrace',
    options.rotationGrace,
    DEFAULT_ROTATION_GRACE_MS,
    (value) => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIMER_MS,
    'a whole number of milliseconds, 0 or more'
  )
  const csrfProtection = pick<CsrfProtection>(
    'csrfProtection',
    options.csrfProtection,
    true,
    (value) => isBoolean(value) || value === 'strict' || value === 'report-only',
    "true, false, 'strict' or 'report-only'"
  )
  const transports = pick<readonly Transport[]>(
    'transports',
    options.transports,
    ['cookie', 'bearer'],
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      new Set(value).size === value.length &&
      value.every((transport) => transport === 'cookie' || transport === 'bearer'),
    "a non-empty array of 'cookie' and 'bearer'"
  )
  const persistentCookie = pick('persistentCookie', options.persistentCookie, true, isBoolean, 'a boolean')
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
    isPositiveInteger,
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
    cookie,
    idleTimeoutMs,
    maxWriteIntervalMs: idleTimeoutMs === null ? null : (maxWriteInterval ?? idleTimeoutMs / 2),
    absoluteTimeoutMs: absoluteTimeout === false ? null : absoluteTimeout,
    rotateAfterMs: rotateAfter === false ? null : rotateAfter,
    rotationGraceMs: rotationGrace,
    csrfProtection,
    transports: Object.freeze({ cookie: transports.includes('cookie'), bearer: transports.includes('bearer') }),
    persistentCookie,
    trustedOrigins: new Set(trustedOrigins.map(normalizeOrigin)),
    maxDataBytes,
    maxSessionsPerUser,
    engineTimeoutMs: engineTimeout === 0 ? Infinity : engineTimeout
  })
}
