import type { IncomingMessage } from 'node:http'

/** What the cross-site rule needs from the validated options. */
export interface CrossSiteConfig {
  readonly csrfProtection: boolean
  readonly trustedOrigins: ReadonlySet<string>
}

/** A Node request, with Express's `app` when Express runs it (raw `http` and socket.io requests have none). */
type RequestLike = IncomingMessage & { app?: { get(setting: string): unknown } }

type TrustProxy = (address: string | undefined, hop: number) => boolean

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
// Sent by the browser itself: a page of the same origin, or the user (address bar, bookmark).
const SAME_ORIGIN_FETCH_SITES = new Set(['same-origin', 'none'])

/**
 * Whether a request is judged cross-site, so that a cookie-carried session must be ignored on it and no
 * response to it may set or clear the cookie (cross-site request forgery, logout and login CSRF).
 *
 * Only unsafe methods and WebSocket upgrades (which browsers never guard with CORS) are judged. In order:
 * an `Origin` in `trustedOrigins` passes; `Sec-Fetch-Site` decides when present (`same-origin` and
 * `none` pass, `same-site` and `cross-site` do not); otherwise the `Origin`'s host must be the request's
 * own host; with neither header, a `Referer` must name the own host or a trusted origin. A request with
 * none of the three is not from a browser, which is the only client that attaches cookies unasked.
 *
 * Hosts are compared without the scheme, so the rule holds behind a TLS-terminating proxy whether or
 * not Express trusts it; `X-Forwarded-Host` replaces `Host` only when Express trusts the proxy.
 */
export function isForgeryRisk(request: IncomingMessage, config: CrossSiteConfig): boolean {
  if (!config.csrfProtection || !isJudged(request)) return false
  const origin = headerValue(request, 'origin')
  if (origin !== undefined && config.trustedOrigins.has(origin)) return false
  const fetchSite = headerValue(request, 'sec-fetch-site')
  if (fetchSite !== undefined) return !SAME_ORIGIN_FETCH_SITES.has(fetchSite.toLowerCase())
  if (origin !== undefined) return !isOwnHost(request, hostOf(origin))
  const referer = headerValue(request, 'referer')
  if (referer === undefined) return false
  const refererOrigin = originOf(referer)
  if (refererOrigin !== undefined && config.trustedOrigins.has(refererOrigin)) return false
  return !isOwnHost(request, hostOf(referer))
}

function isJudged(request: IncomingMessage): boolean {
  if (!SAFE_METHODS.has(String(request.method))) return true
  return headerValue(request, 'upgrade')?.toLowerCase() === 'websocket'
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  // Node joins repeated headers into one string; only Set-Cookie is ever an array.
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

// `Origin: null` and anything that is not a URL have no host, so they match nothing.
function hostOf(url: string): string | undefined {
  const parsed = parseUrl(url)
  return parsed && parsed.host !== '' ? parsed.host : undefined
}

function originOf(url: string): string | undefined {
  const origin = parseUrl(url)?.origin
  return origin === undefined || origin === 'null' ? undefined : origin
}

/** Whether `host` is the one the browser addressed: the `Host` header, or a trusted proxy's `X-Forwarded-Host`. */
function isOwnHost(request: RequestLike, host: string | undefined): boolean {
  if (host === undefined) return false
  const forwarded = headerValue(request, 'x-forwarded-host')
  const trust = request.app?.get('trust proxy fn') as TrustProxy | undefined
  const own =
    forwarded !== undefined && trust?.(request.socket?.remoteAddress, 0)
      ? forwarded.split(',')[0].trim()
      : headerValue(request, 'host')
  return own !== undefined && own.toLowerCase() === host
}
