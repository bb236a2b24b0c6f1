import type { IncomingMessage } from 'node:http'
import type { CrossSiteReason } from './events'

/** What the cross-site rule needs from the validated options. */
export interface CrossSiteConfig {
  /** `true`, `'strict'` or `'report-only'` (see `SessionOptions.csrfProtection`); `false` judges nothing. */
  readonly csrfProtection: boolean | 'strict' | 'report-only'
  readonly trustedOrigins: ReadonlySet<string>
}

/** The rule's judgement of a request it found cross-site. */
export interface CrossSiteVerdict {
  readonly reason: CrossSiteReason
  /** `false` in report-only mode: the request is let through and only reported. */
  readonly enforced: boolean
  /** The origin (scheme, host, port) that `Origin` or `Referer` named, never the raw header; `null` when none. */
  readonly origin: string | null
}

/** A Node request, with Express's `app` when Express runs it (raw `http` and socket.io requests have none). */
type RequestLike = IncomingMessage & { app?: { get(setting: string): unknown } }

type TrustProxy = (address: string | undefined, hop: number) => boolean

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
// Sent by the browser itself: a page of the same origin, or the user (address bar, bookmark).
const SAME_ORIGIN_FETCH_SITES = new Set(['same-origin', 'none'])
const REFUSED_FETCH_SITES = new Set(['same-site', 'cross-site'])
// engine.io's protocol marker: socket.io's polling handshake and every later poll carry it.
const ENGINE_IO_QUERY = /[?&]EIO=/

/**
 * Whether a request is judged cross-site, so that a cookie-carried session must be ignored on it and no
 * response to it may set or clear the cookie (cross-site request forgery, logout and login CSRF).
 * `false` in report-only mode, which refuses nothing.
 */
export function isForgeryRisk(request: IncomingMessage, config: CrossSiteConfig): boolean {
  return judgeCrossSite(request, config)?.enforced === true
}

/**
 * The cross-site rule. Only unsafe methods, WebSocket upgrades and engine.io requests (socket.io's
 * polling, a GET that carries the session as an upgrade does) are judged; browsers guard none of them
 * with CORS. In order: an `Origin` in `trustedOrigins` passes; `Sec-Fetch-Site` decides when it holds a
 * value the Fetch Metadata spec defines (`same-origin` and `none` pass, `same-site` and `cross-site` do
 * not; any other value is ignored, as the spec says); otherwise the `Origin`'s host must be the request's
 * own host; with neither, a `Referer` must name the own host or a trusted origin. A request with none of
 * the three passes by default (browsers send at least one on every unsafe request) and is refused in
 * strict mode, which also compares the scheme when Express knows it.
 *
 * Hosts are compared without the scheme by default, so the rule holds behind a TLS-terminating proxy
 * whether or not Express trusts it; `X-Forwarded-Host` replaces `Host` only when Express trusts the proxy.
 */
export function judgeCrossSite(request: IncomingMessage, config: CrossSiteConfig): CrossSiteVerdict | undefined {
  const mode = config.csrfProtection
  if (mode === false || !isJudged(request)) return undefined
  const strict = mode === 'strict' || mode === 'report-only'
  const verdict = (reason: CrossSiteReason, named: string | undefined): CrossSiteVerdict => ({
    reason,
    enforced: mode !== 'report-only',
    origin: named === undefined ? null : (originOf(named) ?? null)
  })
  const origin = headerValue(request, 'origin')
  if (origin !== undefined && config.trustedOrigins.has(origin)) return undefined
  const fetchSite = headerValue(request, 'sec-fetch-site')?.toLowerCase()
  if (fetchSite !== undefined && SAME_ORIGIN_FETCH_SITES.has(fetchSite)) return undefined
  if (fetchSite !== undefined && REFUSED_FETCH_SITES.has(fetchSite))
    return verdict(fetchSite === 'cross-site' ? 'cross-site' : 'same-site', origin)
  if (origin !== undefined) {
    if (!isOwnHost(request, hostOf(origin))) return verdict('foreign-origin', origin)
    return strict && isOtherScheme(request, origin) ? verdict('scheme-mismatch', origin) : undefined
  }
  const referer = headerValue(request, 'referer')
  if (referer === undefined) return strict ? verdict('no-origin-headers', undefined) : undefined
  const refererOrigin = originOf(referer)
  if (refererOrigin !== undefined && config.trustedOrigins.has(refererOrigin)) return undefined
  if (!isOwnHost(request, hostOf(referer))) return verdict('foreign-referer', referer)
  return strict && isOtherScheme(request, referer) ? verdict('scheme-mismatch', referer) : undefined
}

function isJudged(request: IncomingMessage): boolean {
  if (!SAFE_METHODS.has(String(request.method))) return true
  if (headerValue(request, 'upgrade')?.toLowerCase() === 'websocket') return true
  return ENGINE_IO_QUERY.test(request.url ?? '')
}

/**
 * Whether `url` names another scheme than the request came over, when that is known: under Express, over
 * TLS, over plain HTTP with no `X-Forwarded-Proto`, or with one from a proxy Express trusts. Behind a proxy
 * Express does not trust, the scheme is unknown and not compared.
 */
function isOtherScheme(request: RequestLike, url: string): boolean {
  if (!request.app) return false
  const named = parseUrl(url)?.protocol
  let own: string | undefined
  if (request.socket !== undefined && 'encrypted' in request.socket && request.socket.encrypted === true) own = 'https:'
  else {
    const forwarded = headerValue(request, 'x-forwarded-proto')
    const trust = request.app.get('trust proxy fn') as TrustProxy | undefined
    if (forwarded === undefined) own = 'http:'
    else if (trust?.(request.socket?.remoteAddress, 0)) own = `${forwarded.split(',')[0].trim().toLowerCase()}:`
  }
  return own !== undefined && named !== undefined && named !== own
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
