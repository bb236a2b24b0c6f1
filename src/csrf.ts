import type { Request } from 'express'
import type { SessionConfig } from './options'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * Whether a cookie-carried session must be ignored on this request: an unsafe method sent by another
 * site (cross-site request forgery). Browsers send `Sec-Fetch-Site` and `Origin` on such requests;
 * clients that send neither are not browsers and carry no ambient cookie risk.
 */
export function isForgeryRisk(request: Request, config: SessionConfig): boolean {
  if (!config.csrfProtection || SAFE_METHODS.has(request.method)) return false
  if (request.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = request.headers.origin
  if (origin === undefined) return false
  if (config.trustedOrigins.has(origin)) return false
  return origin !== ownOrigin(request)
}

type TrustProxy = (address: string | undefined, hop: number) => boolean

/**
 * The origin the browser addressed: scheme and host as Express sees them, honouring `X-Forwarded-Host`
 * only when the app trusts the proxy (the same rule Express applies to `request.protocol`).
 */
function ownOrigin(request: Request): string {
  const trust = request.app.get('trust proxy fn') as TrustProxy | undefined
  const forwarded = request.get('x-forwarded-host')
  const host =
    forwarded && trust?.(request.socket.remoteAddress, 0) ? forwarded.split(',')[0].trim() : request.get('host')
  return `${request.protocol}://${host}`
}
