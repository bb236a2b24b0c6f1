import type { StoredSession } from './record'

/** The two timeouts, in milliseconds, `null` where off. */
export interface Timeouts {
  readonly idleTimeoutMs: number | null
  readonly absoluteTimeoutMs: number | null
}

/** The timeouts and how long use may go unwritten (`null`: half the idle timeout). */
export interface RenewalTimeouts extends Timeouts {
  readonly maxWriteIntervalMs: number | null
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
 * Whether a read at `now` should push the expiry forward: once the last renewal (the expiry less the
 * idle timeout) is `maxWriteIntervalMs` old or more, so a busy session costs at most one write per
 * interval and its use is never unwritten for longer: the session ends at most that interval before the
 * idle timeout after its last use.
 */
export function isDueForRenewal(session: StoredSession, now: number, timeouts: RenewalTimeouts): boolean {
  if (timeouts.idleTimeoutMs === null || session.expiresAt === null) return false
  const interval = timeouts.maxWriteIntervalMs ?? timeouts.idleTimeoutMs / 2
  if (session.expiresAt - now >= timeouts.idleTimeoutMs - interval) return false
  const renewed = expiryFrom(now, session.firstAccessed, timeouts)
  return renewed !== null && renewed > session.expiresAt
}

/** The timeouts and the rotation age (`null`: tokens are rotated only on demand). */
export interface RotationTimeouts extends Timeouts {
  readonly rotateAfterMs: number | null
}

/** Whether the session's token is older than `rotateAfterMs` at `now` (its age counts from its issue). */
export function isDueForRotation(session: StoredSession, now: number, timeouts: RotationTimeouts): boolean {
  return timeouts.rotateAfterMs !== null && now - (session.issuedAt ?? session.firstAccessed) >= timeouts.rotateAfterMs
}

/**
 * How long a cookie issued at `now` for a session expiring at `expiresAt` should last. Under
 * `rotateAfter` renewals leave the cookie alone (a slow response to a request begun before a rotation
 * must not put the rotated-out token back), so it is issued to outlive every renewal its token can see:
 * `rotateAfterMs` past the expiry, never past the absolute deadline.
 */
export function cookieExpiry(
  expiresAt: number | null,
  firstAccessed: number,
  timeouts: RotationTimeouts
): number | null {
  if (expiresAt === null || timeouts.rotateAfterMs === null) return expiresAt
  const absolute = timeouts.absoluteTimeoutMs === null ? Infinity : firstAccessed + timeouts.absoluteTimeoutMs
  return Math.min(expiresAt + timeouts.rotateAfterMs, absolute)
}
