import type { EngineSubject } from './engine'

/** Session data as it is stored: a plain JSON object. */
export type StoredData = Record<string, unknown>

/** Whether a value is a plain object (an object literal or a JSON object), not an array, a class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A session as the engine stores it (field names follow the token-registry subject of upstream). */
export interface StoredSession {
  id: string
  userId: string
  firstAccessed: number
  lastAccessed: number
  firstIp: string | null
  lastIp: string | null
  userAgent: string | null
  deviceId: string | null
  /** Milliseconds since the epoch; `null` when neither timeout applies. */
  expiresAt: number | null
  /** The app's session data; absent when empty (most sessions), so it costs nothing in storage. */
  data?: StoredData
  /** `false` for a browser-session cookie (renewals keep it one); absent for a persistent one. */
  persistent?: false
  /**
   * Counts the changes to `data`, for compare-and-set: absent (0) until the first `updateData()`. A
   * non-negative integer.
   */
  version?: number
  /**
   * When this entry's token was issued, in milliseconds since the epoch: absent for the token of the
   * log in (`firstAccessed` tells), set on every token a rotation issued. `rotateAfter` counts from it.
   */
  issuedAt?: number
  /**
   * Set on an entry whose token was rotated out: the hash of the token that replaced it. Such an entry
   * stands for its successor during the grace, and names the session once the grace is over.
   */
  rotatedTo?: string
  /** When the token was rotated out, in milliseconds since the epoch; set with `rotatedTo`. */
  rotatedAt?: number
}

const isNullableString = (value: unknown): boolean => value === null || typeof value === 'string'
const isTime = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value)

/** Whether an engine's subject is a session this library wrote; anything else is treated as no session. */
export function isStoredSession(subject: EngineSubject | null | undefined): subject is EngineSubject & StoredSession {
  return (
    subject !== null &&
    typeof subject === 'object' &&
    typeof subject.id === 'string' &&
    typeof subject.userId === 'string' &&
    isTime(subject.firstAccessed) &&
    isTime(subject.lastAccessed) &&
    isNullableString(subject.firstIp) &&
    isNullableString(subject.lastIp) &&
    isNullableString(subject.userAgent) &&
    isNullableString(subject.deviceId) &&
    (subject.expiresAt === null || isTime(subject.expiresAt)) &&
    (subject.data === undefined || isPlainObject(subject.data)) &&
    (subject.persistent === undefined || subject.persistent === false) &&
    (subject.version === undefined || (Number.isSafeInteger(subject.version) && (subject.version as number) >= 0)) &&
    (subject.issuedAt === undefined || isTime(subject.issuedAt)) &&
    (subject.rotatedTo === undefined
      ? subject.rotatedAt === undefined
      : typeof subject.rotatedTo === 'string' && isTime(subject.rotatedAt))
  )
}
