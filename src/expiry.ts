import type { StoredSession } from './record'

/** The two timeouts, in milliseconds, `null` where off. */
export interface Timeouts {
  readonly idleTimeoutMs: number | null
  readonly absoluteTimeoutMs: number | null
}

/** When a session renewed at `now` expires: the sooner of the idle and the absolute deadline. */
export function expiryFrom(now: number, firstAccessed: number, timeouts: Timeouts): number | null {
  const idle = timeouts.idleTimeoutMs === null ? Infinity : now + timeouts.idleTimeoutMs
  const absolute = timeouts.absoluteTimeoutMs === null ? Infinity : firstAccessed + timeouts.absoluteTimeoutMs
  const expiresAt = Math.min(idle, absolute)
  return expiresAt === Infinity ? null : expiresAt
}

/**
 * Whether the session is still valid at `now`. Checked by the core on every read, so expiry holds on
 * engines that cannot expire entries themselves.
 */
export function isLive(session: StoredSession, now: number, timeouts: Timeouts): boolean {
  if (session.expiresAt !== null && session.expiresAt <= now) return false
  return timeouts.absoluteTimeoutMs === null || session.firstAccessed + timeouts.absoluteTimeoutMs > now
}

/**
 * Whether a read at `now` should push the expiry forward: once less than half of the idle timeout is
 * left, so a busy session costs at most one write per half timeout.
 */
export function isDueForRenewal(session: StoredSession, now: number, timeouts: Timeouts): boolean {
  if (timeouts.idleTimeoutMs === null || session.expiresAt === null) return false
  if (session.expiresAt - now >= timeouts.idleTimeoutMs / 2) return false
  const renewed = expiryFrom(now, session.firstAccessed, timeouts)
  return renewed !== null && renewed > session.expiresAt
}
