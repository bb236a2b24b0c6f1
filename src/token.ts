import { randomBytes } from 'node:crypto'

/** Longest token we look up; anything longer is no token, without an engine call. */
export const MAX_TOKEN_LENGTH = 512
const TOKEN_BYTES = 32
const SESSION_ID_BYTES = 16
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/
const BEARER_PATTERN = /^bearer[ \t]+(\S+)[ \t]*$/i
const BEARER_SCHEME_PATTERN = /^bearer(?:[ \t]|$)/i

/** A new session token: 256 random bits, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

/** A new session id: 128 random bits, unrelated to the token, safe to show and to put in URLs. */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url')
}

/** The value as a token, or `undefined` when it cannot be one (wrong type, too long, not base64url). */
export function parseToken(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOKEN_LENGTH) return undefined
  if (!BASE64URL_PATTERN.test(value)) return undefined
  // Names such as "constructor" or "__proto__" resolve on any plain object: never let one be a key.
  if (Object.prototype.hasOwnProperty.call(Object.prototype, value)) return undefined
  return value
}

/**
 * Reads an `Authorization` header. Only the Bearer scheme carries a session token (`Basic x` is no
 * token); `undefined` means the header does not speak for the session, `null` that it does but holds
 * no valid token.
 */
export function tokenFromAuthorization(header: string | undefined): string | null | undefined {
  if (header === undefined || !BEARER_SCHEME_PATTERN.test(header)) return undefined
  const match = BEARER_PATTERN.exec(header)
  return (match && parseToken(match[1])) ?? null
}
