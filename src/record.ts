import type { EngineSubject } from './engine'
import { isStoredData, type StoredData } from './session/data'

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
    (subject.data === undefined || isStoredData(subject.data))
  )
}

/**
 * The index an engine keeps per authenticatable: upstream's `auth-<id>`, or `auth:<tag>:<id>` under a
 * registry id (a fixed-length tag derived from it), so registries sharing an engine never reach each
 * other's sessions whatever the user ids.
 */
export function categoryOf(config: { readonly categoryPrefix: string }, userId: string): string {
  return `${config.categoryPrefix}${userId}`
}

/** The times that order sessions by use. */
export interface UseTimes {
  readonly lastAccessed: number
  readonly firstAccessed: number
}

/** Orders sessions least recently used first: by last access recorded, then by log in. */
export function byLeastRecentUse(a: UseTimes, b: UseTimes): number {
  return a.lastAccessed - b.lastAccessed || a.firstAccessed - b.firstAccessed
}
