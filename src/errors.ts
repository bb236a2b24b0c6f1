/** Base class of every error this library throws or passes to `next(err)`. */
export class SessionError extends Error {
  override name = 'SessionError'
}

/**
 * An engine call failed (store unreachable, timed out, rejected the command). The original error is
 * its `cause`; `status` is 503 so an error handler can answer "try again later" as it is.
 */
export class SessionEngineError extends SessionError {
  override name = 'SessionEngineError'
  readonly status = 503
  readonly statusCode = 503

  constructor(operation: string, cause: unknown) {
    super(`session engine failed to ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/** The `TypeError` thrown for an invalid option: it names the option, what it got and what it expected. */
export function invalidOption(name: string, value: unknown, expected: string): TypeError {
  return new TypeError(`express-session-registry: option "${name}" must be ${expected}, got ${describeValue(value)}`)
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}
