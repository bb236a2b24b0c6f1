import { serialize, type SerializeOptions } from 'cookie'
import type { Request, Response } from 'express'
import type { CookieConfig } from './options'
import { MAX_COOKIE_AGE_MS } from './options'

/**
 * The raw value of the session cookie: from `request.cookies` when cookie-parser ran, otherwise read
 * from the `Cookie` header.
 */
export function readSessionCookie(request: Request, name: string): unknown {
  const parsed: unknown = request.cookies
  if (parsed !== null && typeof parsed === 'object') {
    return Object.prototype.hasOwnProperty.call(parsed, name) ? (parsed as Record<string, unknown>)[name] : undefined
  }
  const header = request.headers.cookie
  return header ? cookieValue(header, name) : undefined
}

const SPACE = 0x20
const TAB = 0x09

/**
 * The value of cookie `name` in a `Cookie` header, read as the `cookie` package's `parse` reads it, without
 * building an object of every cookie: pairs split at `;`, a pair without `=` skipped, name and value
 * trimmed of spaces and tabs, the first pair of a name wins, a value with `%` URI-decoded (kept as it is
 * when that fails).
 */
export function cookieValue(header: string, name: string): string | undefined {
  const length = header.length
  let start = 0
  while (start < length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = length
    const equals = header.indexOf('=', start)
    if (equals === -1) return undefined
    if (equals < end) {
      let keyStart = start
      while (keyStart < equals && isBlank(header.charCodeAt(keyStart))) keyStart++
      let keyEnd = equals
      while (keyEnd > keyStart && isBlank(header.charCodeAt(keyEnd - 1))) keyEnd--
      if (keyEnd - keyStart === name.length && header.startsWith(name, keyStart)) {
        return decodeValue(trimmed(header, equals + 1, end))
      }
    }
    start = end + 1
  }
  return undefined
}

function trimmed(text: string, from: number, to: number): string {
  let start = from
  let end = to
  while (start < end && isBlank(text.charCodeAt(start))) start++
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--
  return text.slice(start, end)
}

function decodeValue(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB
}

/**
 * Sets the session cookie and marks the response uncacheable. A persistent cookie lives until `expiresAt`
 * (capped at 400 days); a browser-session one has no `Max-Age` or `Expires`, so the browser drops it when
 * it closes (the session's server-side expiry holds either way).
 */
export function writeSessionCookie(
  request: Request,
  response: Response,
  config: CookieConfig,
  token: string,
  expiresAt: number | null,
  now: number,
  persistent = true
): void {
  const maxAgeMs = Math.min(expiresAt === null ? MAX_COOKIE_AGE_MS : expiresAt - now, MAX_COOKIE_AGE_MS)
  setCookie(
    response,
    config.name,
    serialize(config.name, token, attributes(request, config, persistent ? Math.max(0, maxAgeMs) : undefined, now))
  )
}

/** Expires the session cookie in the browser. */
export function clearSessionCookie(request: Request, response: Response, config: CookieConfig, now: number): void {
  setCookie(response, config.name, serialize(config.name, '', attributes(request, config, 0, now)))
}

/** Responses that carry a token must never be stored by a browser or a shared cache. */
export function preventCaching(response: Response): void {
  response.setHeader('Cache-Control', 'no-store')
}

// Without `maxAgeMs` the cookie is a browser-session one.
function attributes(
  request: Request,
  config: CookieConfig,
  maxAgeMs: number | undefined,
  now: number
): SerializeOptions {
  const lifetime =
    maxAgeMs === undefined ? {} : { maxAge: Math.floor(maxAgeMs / 1000), expires: new Date(now + maxAgeMs) }
  return {
    httpOnly: config.httpOnly,
    secure: config.secure === 'auto' ? isSecure(request) : config.secure,
    sameSite: config.sameSite,
    domain: config.domain,
    path: config.path,
    partitioned: config.partitioned || undefined,
    priority: config.priority,
    ...lifetime
  }
}

let warnedAboutProxy = false

/**
 * Whether Express sees the request as HTTPS. When it does not, but a proxy says it is, Express was not
 * told to trust that proxy and the cookie goes out without `Secure`: say so once per process.
 */
function isSecure(request: Request): boolean {
  // A raw Node request (socket.io, a plain http server) has no `secure`: its socket says whether it came over TLS.
  if (request.secure ?? ('encrypted' in request.socket && request.socket.encrypted === true)) return true
  if (!request.app) return false
  const proto = String(request.headers['x-forwarded-proto']).split(',')[0].trim().toLowerCase()
  if (proto === 'https' && !warnedAboutProxy) {
    warnedAboutProxy = true
    process.emitWarning(
      "X-Forwarded-Proto says https, but Express does not trust the proxy, so secure: 'auto' sends the session " +
        "cookie without Secure. Set app.set('trust proxy', <hops or addresses>) (e.g. 1 for one proxy), or secure: true.",
      { code: 'ESR_TRUST_PROXY' }
    )
  }
  return false
}

// One Set-Cookie per name: a later logIn or logOut in the same request replaces the earlier one.
function setCookie(response: Response, name: string, serialized: string): void {
  preventCaching(response)
  const current = response.getHeader('Set-Cookie')
  const others = (current === undefined ? [] : Array.isArray(current) ? current : [String(current)]).filter(
    (cookie) => !cookie.startsWith(`${name}=`)
  )
  response.setHeader('Set-Cookie', [...others, serialized])
}
