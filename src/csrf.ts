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
  return origin !== `${request.protocol}://${request.get('host')}`
}
