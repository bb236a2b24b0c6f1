import { parse, serialize, type SerializeOptions } from 'cookie'
import type { Request, Response } from 'express'
import type { CookieConfig } from './options'
import { MAX_COOKIE_AGE_MS } from './options'

/**
 * The raw value of the session cookie: from `request.cookies` when cookie-parser ran, otherwise parsed
 * from the `Cookie` header.
 */
export function readSessionCookie(request: Request, name: string): unknown {
  const parsed: unknown = request.cookies
  if (parsed !== null && typeof parsed === 'object') {
    return Object.prototype.hasOwnProperty.call(parsed, name) ? (parsed as Record<string, unknown>)[name] : undefined
  }
  const header = request.headers.cookie
  return header ? parse(header)[name] : undefined
}

/** Sets the session cookie, living until `expiresAt` (capped at 400 days), and marks the response uncacheable. */
export function writeSessionCookie(
  request: Request,
  response: Response,
  config: CookieConfig,
  token: string,
  expiresAt: number | null,
  now: number
): void {
  const maxAgeMs = Math.min(expiresAt === null ? MAX_COOKIE_AGE_MS : expiresAt - now, MAX_COOKIE_AGE_MS)
  setCookie(
    response,
    config.name,
    serialize(config.name, token, attributes(request, config, Math.max(0, maxAgeMs), now))
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

function attributes(request: Request, config: CookieConfig, maxAgeMs: number, now: number): SerializeOptions {
  return {
    httpOnly: config.httpOnly,
    // A raw Node request has no `secure`: its socket says whether it came over TLS.
    secure: config.secure === 'auto' ? (request.secure ?? 'encrypted' in request.socket) : config.secure,
    sameSite: config.sameSite,
    domain: config.domain,
    path: config.path,
    partitioned: config.partitioned || undefined,
    priority: config.priority,
    maxAge: Math.floor(maxAgeMs / 1000),
    expires: new Date(now + maxAgeMs)
  }
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
