import { randomBytes } from 'node:crypto'

/** Longest token we look up; anything longer is no token, without an engine call. */
export const MAX_TOKEN_LENGTH = 512
const TOKEN_BYTES = 32
const SESSION_ID_BYTES = 16
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/
const BEARER_SCHEME = 'bearer'
const SPACE = 0x20
const TAB = 0x09
// A character code's lower-case letter bit: 'B' | 0x20 is 'b'.
const LOWER_CASE_BIT = 0x20

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
 * no valid token. The scheme is case-insensitive; the token is the one word after it, blanks (spaces
 * and tabs) around it allowed.
 */
export function tokenFromAuthorization(header: string | undefined): string | null | undefined {
  // Scanned rather than matched with a regular expression: this runs on every request.
  if (header === undefined || !hasBearerScheme(header)) return undefined
  const length = header.length
  let start = BEARER_SCHEME.length
  while (start < length && isBlank(header.charCodeAt(start))) start++
  let end = start
  while (end < length && !isBlank(header.charCodeAt(end))) end++
  if (end === start) return null
  for (let rest = end; rest < length; rest++) if (!isBlank(header.charCodeAt(rest))) return null
  return parseToken(header.slice(start, end)) ?? null
}

function hasBearerScheme(header: string): boolean {
  const schemeLength = BEARER_SCHEME.length
  if (header.length < schemeLength) return false
  if (header.length > schemeLength && !isBlank(header.charCodeAt(schemeLength))) return false
  for (let position = 0; position < schemeLength; position++) {
    if ((header.charCodeAt(position) | LOWER_CASE_BIT) !== BEARER_SCHEME.charCodeAt(position)) return false
  }
  return true
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB
}
