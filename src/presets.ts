import type { SessionOptions } from './options'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** A preset: plain options, frozen, to spread into `session()` and override. */
export type SessionPreset = Readonly<SessionOptions>

// What every preset shares: a `__Host-` cookie (Secure, host-only, path /), HttpOnly, and the strict
// cross-site rule. `__Host-` needs HTTPS end to end as the browser sees it.
const HARDENED: SessionOptions = {
  cookieName: '__Host-session',
  secure: true,
  httpOnly: true,
  csrfProtection: 'strict'
}

const preset = (options: SessionOptions): SessionPreset =>
  Object.freeze({
    ...HARDENED,
    ...options,
    ...(options.transports && { transports: Object.freeze([...options.transports]) })
  })

/**
 * Option sets for OWASP ASVS 5.0 Levels 1 to 3 and NIST SP 800-63B-4 AAL1 to AAL3 (docs/security.md lists
 * the requirement behind every value). Spread one into `session()` and override what your risk analysis
 * says: `session({ ...presets.asvsL2, engine })`.
 *
 * Timeouts are NIST SP 800-63B-4's reauthentication limits, which ASVS 5.0 (V7.1.1, V7.3) defers to: AAL1
 * 30 days overall; AAL2 24 hours overall and 1 hour idle; AAL3 12 hours overall and 15 minutes idle. The
 * ASVS levels take the AAL of the same number. ASVS Level 2 and 3 (V3.3.4) want the token in `Set-Cookie`
 * only, so they take the cookie alone; the NIST presets keep Bearer clients. Levels 2 and 3 (both
 * families) rotate the token during the session, the OWASP Session Management Cheat Sheet's renewal
 * timeout: every 15 minutes at Level 2, every 5 at Level 3, with the default grace.
 */
export const presets = Object.freeze({
  /** OWASP ASVS 5.0 Level 1. */
  asvsL1: preset({ idleTimeout: 30 * DAY_MS, absoluteTimeout: 30 * DAY_MS, maxWriteInterval: HOUR_MS }),
  /** OWASP ASVS 5.0 Level 2: cookie only, 1 hour idle, 24 hours overall, a new token every 15 minutes. */
  asvsL2: preset({
    transports: ['cookie'],
    idleTimeout: HOUR_MS,
    absoluteTimeout: DAY_MS,
    maxWriteInterval: MINUTE_MS,
    rotateAfter: 15 * MINUTE_MS
  }),
  /** OWASP ASVS 5.0 Level 3: cookie only, SameSite=Strict, 15 minutes idle, 12 hours overall, a new token every 5 minutes. */
  asvsL3: preset({
    transports: ['cookie'],
    sameSite: 'strict',
    idleTimeout: 15 * MINUTE_MS,
    absoluteTimeout: 12 * HOUR_MS,
    maxWriteInterval: 30_000,
    rotateAfter: 5 * MINUTE_MS
  }),
  /** NIST SP 800-63B-4 AAL1: 30 days overall. */
  nistAal1: preset({ idleTimeout: 30 * DAY_MS, absoluteTimeout: 30 * DAY_MS, maxWriteInterval: HOUR_MS }),
  /** NIST SP 800-63B-4 AAL2: 1 hour idle, 24 hours overall, a new token every 15 minutes. */
  nistAal2: preset({
    idleTimeout: HOUR_MS,
    absoluteTimeout: DAY_MS,
    maxWriteInterval: MINUTE_MS,
    rotateAfter: 15 * MINUTE_MS
  }),
  /** NIST SP 800-63B-4 AAL3: SameSite=Strict, 15 minutes idle, 12 hours overall, a new token every 5 minutes. */
  nistAal3: preset({
    sameSite: 'strict',
    idleTimeout: 15 * MINUTE_MS,
    absoluteTimeout: 12 * HOUR_MS,
    maxWriteInterval: 30_000,
    rotateAfter: 5 * MINUTE_MS
  })
})
