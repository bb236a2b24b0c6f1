import type { Request } from 'express'
import type { SessionConfig } from './options'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * Whether a cookie-carried session must be ignored on this request: an unsafe method sent by another
 * site (cross-site request forgery). Browsers send `Sec-Fetch-Site` and `Origin` on such requests;
 * clients that send neither are not browsers and carry no ambient cookie risk.
 */
export function isForgeryRisk(request: Request, config: SessionConfig): boolean {
  if (!config.csrfProtection || (SAFE_METHODS.has(request.method) && !isUpgrade(request))) return false
  if (request.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = request.headers.origin
  if (origin === undefined) return false
  if (config.trustedOrigins.has(origin)) return false
  return origin !== ownOrigin(request)
}

// A WebSocket handshake is a GET, but what it opens acts for the user: a browser sends the cookie to any
// site's WebSocket, so a foreign page could otherwise drive the session (cross-site WebSocket hijacking).
function isUpgrade(request: Request): boolean {
  return request.headers.upgrade !== undefined
}

type TrustProxy = (address: string | undefined, hop: number) => boolean

/**
 * The origin the browser addressed: scheme and host as Express sees them, honouring `X-Forwarded-Host`
 * only when the app trusts the proxy (the same rule Express applies to `request.protocol`).
 */
function ownOrigin(request: Request): string {
  // A raw Node request (socket.io, a plain http server) has no app, no protocol and no get().
  const trust = request.app?.get('trust proxy fn') as TrustProxy | undefined
  const forwarded = request.headers['x-forwarded-host']
  const host =
    typeof forwarded === 'string' && trust?.(request.socket.remoteAddress, 0)
      ? forwarded.split(',')[0].trim()
      : request.headers.host
  const protocol = request.protocol ?? ('encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http')
  return `${protocol}://${host}`
}
