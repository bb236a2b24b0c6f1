import { resolveCookieOptions, type CookieConfig } from './cookieOptions'
import type { Engine } from './engine'
import { invalidOption } from './errors'
import { registryKeys, type RegistryKeys } from './keys'
import { EXPRESS_SESSION_HINTS } from './migration'
import { rejectUnknownOptions } from './optionCheck'
import { SESSION_OPTION_LIST, SESSION_OPTION_NAMES } from './optionNames'
import { isBoolean, isNonEmptyString, isDuration, isPositiveInteger, pick } from './optionPick'
import type { CsrfProtection, SessionOptions, Transport, TransportConfig } from './optionTypes'

export type { CookieConfig, SameSite } from './cookieOptions'
export type { CsrfProtection, SessionOptions, Transport, TransportConfig } from './optionTypes'

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
