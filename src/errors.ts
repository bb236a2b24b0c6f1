/**
 * The stable codes of this library's errors: apps switch on `error.code`, never on a message. The
 * README's errors section lists when each is raised.
 */
export type SessionErrorCode =
  /** A `SessionError` with no more specific code (one an app creates itself). */
  | 'ESR_SESSION'
  /** `logIn()` on a session read without a response (`readSession()`). */
  | 'ESR_SESSION_NO_RESPONSE'
  /** `logIn()` answered to a request the cross-site rule judged cross-site (login CSRF). */
  | 'ESR_CROSS_SITE_LOGIN'
  /** `Session.logOutEveryone()` on an engine without `deleteByCategoryPrefix`. */
  | 'ESR_ENGINE_UNSUPPORTED'
  /** An engine call failed: unreachable, timed out, refused the command (`SessionEngineError`). */
  | 'ESR_ENGINE_UNAVAILABLE'
  /** An engine call gave no answer within `engineTimeout` (`SessionEngineTimeoutError`). */
  | 'ESR_ENGINE_TIMEOUT'
  /** `RedisEngine#prepare()` found a `maxmemory-policy` that may evict session keys (`RedisEvictionPolicyError`). */
  | 'ESR_REDIS_EVICTION_POLICY'
  /** Fewer replicas than the `replicas` option acknowledged a write in time (`RedisReplicationError`). */
  | 'ESR_REDIS_REPLICAS'
  /** Redis gave no answer within the `RedisEngine`'s `commandTimeout` (`RedisTimeoutError`). */
  | 'ESR_REDIS_TIMEOUT'
  /** `PostgresEngine#prepare()` found its table missing (`createTable: false`) or not its own (`PostgresTableError`). */
  | 'ESR_POSTGRES_TABLE'
  /** PostgreSQL gave no answer within the `PostgresEngine`'s `statementTimeout` (`PostgresTimeoutError`). */
  | 'ESR_POSTGRES_TIMEOUT'
  /** A SQLite operation failed; SQLite's own code is its `sqliteCode` (`SqliteEngineError`). */
  | 'ESR_SQLITE'

/** The codes of the `TypeError`s thrown for bad input: an option, or an argument of a session method. */
export type InputErrorCode = 'ESR_INVALID_OPTION' | 'ESR_INVALID_ARGUMENT'

/** Options of a {@link SessionError}: the standard `cause`, and the code to report. */
export interface SessionErrorOptions extends ErrorOptions {
  /** @default 'ESR_SESSION' */
  code?: SessionErrorCode
}

/** Base class of every error this library throws or passes to `next(err)`, each with a stable `code`. */
export class SessionError extends Error {
  override name = 'SessionError'
  /** Stable across releases (see {@link SessionErrorCode}); the message is not. */
  readonly code: SessionErrorCode

  constructor(message?: string, options: SessionErrorOptions = {}) {
    super(message, options)
    this.code = options.code ?? 'ESR_SESSION'
  }
}

/**
 * An engine call failed (store unreachable, timed out, rejected the command). The original error is
 * its `cause`; `status` is 503 so an error handler can answer "try again later" as it is.
 */
export class SessionEngineError extends SessionError {
  override name = 'SessionEngineError'
  declare readonly code: 'ESR_ENGINE_UNAVAILABLE' | 'ESR_ENGINE_TIMEOUT'
  readonly status = 503
  readonly statusCode = 503

  /** `detail` says where to look, such as the option that set the engine up; `code` is `'ESR_ENGINE_UNAVAILABLE'` unless a subclass says otherwise. */
  constructor(
    operation: string,
    cause: unknown,
    detail?: string,
    code: 'ESR_ENGINE_UNAVAILABLE' | 'ESR_ENGINE_TIMEOUT' = 'ESR_ENGINE_UNAVAILABLE'
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`session engine failed to ${operation}: ${reason}${detail === undefined ? '' : ` (${detail})`}`, {
      cause,
      code
    })
  }
}

/**
 * `logIn()` was answered to a request the cross-site rule judged cross-site: no session was created.
 * `status` is 403, so an error handler can answer it as it is.
 */
export class CrossSiteLogInError extends SessionError {
  override name = 'CrossSiteLogInError'
  declare readonly code: 'ESR_CROSS_SITE_LOGIN'
  readonly status = 403
  readonly statusCode = 403

  constructor(reason: string) {
    super(
      `logIn() refused on a request judged cross-site (${reason}); an identity provider that posts back ` +
        'cross-site (OAuth form_post) belongs in trustedOrigins',
      { code: 'ESR_CROSS_SITE_LOGIN' }
    )
  }
}

/**
 * An engine call gave no answer within the `engineTimeout` option. A {@link SessionEngineError}, so a
 * handler of those answers 503 for it as it is; the call itself may still complete later.
 */
export class SessionEngineTimeoutError extends SessionEngineError {
  override name = 'SessionEngineTimeoutError'
  declare readonly code: 'ESR_ENGINE_TIMEOUT'
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number

  constructor(operation: string, timeoutMs: number) {
    super(operation, new Error(`no answer within engineTimeout (${timeoutMs} ms)`), undefined, 'ESR_ENGINE_TIMEOUT')
    this.timeoutMs = timeoutMs
  }
}

/** A `TypeError` carrying one of the {@link InputErrorCode}s, so bad input is told apart without its message. */
export type InputError = TypeError & { readonly code: InputErrorCode }

/** A `TypeError` with `code`, for bad input that is the caller's to fix. */
export function inputError(message: string, code: InputErrorCode = 'ESR_INVALID_ARGUMENT'): InputError {
  return Object.assign(new TypeError(`express-session-registry: ${message}`), { code })
}

/** The `TypeError` thrown for an invalid option: it names the option, what it got and what it expected. */
export function invalidOption(name: string, value: unknown, expected: string): InputError {
  return inputError(`option "${name}" must be ${expected}, got ${describeValue(value)}`, 'ESR_INVALID_OPTION')
}

/** The `TypeError` thrown for an option `owner` does not take, with `detail` saying what to do instead. */
export function notAnOption(owner: string, name: string, detail: string): InputError {
  return inputError(`option "${name}" is not an option of ${owner}: ${detail}`, 'ESR_INVALID_OPTION')
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}
