import type { SessionContext } from '../context'
import { inputError } from '../errors'
import { isLive } from '../expiry'
import { categoryOf } from '../keys'
import type { StoredSession } from '../record'
import type { SessionData } from './data'

/** An authenticatable's id as apps pass it; stored as a string. */
export type AuthenticatableId = string | number | bigint

/** One entry of {@link Session.activeSessions}: what was recorded of a session, never its token. */
export interface ActiveSession {
  /** The session id (not the token): pass it to `logOut()` to sign that device out. */
  id: string
  authenticatableId: string
  /** Alias of `authenticatableId`. */
  userId: string
  firstAccessed: Date
  lastAccessed: Date
  firstIp: string | null
  lastIp: string | null
  userAgent: string | null
  deviceId: string | null
  /** When the session ends unless renewed; `null` when no timeout applies. */
  expiresAt: Date | null
  /** The session's data, as `updateData()` left it (`{}` when none). */
  data: Readonly<SessionData>
  /** Whether this is the session of the request that asked. */
  current: boolean
}

/** What `JSON.stringify(request.session)` gives: the session's facts, never its token. */
export type SessionFacts = { authenticated: boolean } & {
  [K in keyof Omit<ActiveSession, 'current'>]: ActiveSession[K] | null
}

/** Who can be logged in: a non-empty string, a finite number or a bigint. */
export function normalizeAuthenticatableId(id: unknown): string {
  const valid =
    (typeof id === 'string' && id.length > 0) ||
    (typeof id === 'number' && Number.isFinite(id)) ||
    typeof id === 'bigint'
  if (!valid) throw inputError(`authenticatableId must be a non-empty string, a number or a bigint, got ${typeof id}`)
  return String(id)
}

const EMPTY_DATA: Readonly<SessionData> = Object.freeze({})

/** The data of a stored session, frozen so that changes can only go through `updateData()`. */
export function dataOf(stored: StoredSession | undefined): Readonly<SessionData> {
  return stored?.data === undefined ? EMPTY_DATA : deepFreeze(stored.data)
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

function toActiveSession(stored: StoredSession, current: boolean): ActiveSession {
  return {
    id: stored.id,
    authenticatableId: stored.userId,
    userId: stored.userId,
    firstAccessed: new Date(stored.firstAccessed),
    lastAccessed: new Date(stored.lastAccessed),
    firstIp: stored.firstIp,
    lastIp: stored.lastIp,
    userAgent: stored.userAgent,
    deviceId: stored.deviceId,
    expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt),
    data: dataOf(stored),
    current
  }
}

/** Every live session of `userId`, keyed by session id; expired entries met on the way are removed. */
export async function listActive(
  context: SessionContext,
  userId: string,
  currentHash?: string
): Promise<Record<string, ActiveSession>> {
  const { config, store } = context
  const category = categoryOf(config, userId)
  const now = Date.now()
  const active: Record<string, ActiveSession> = {}
  const expired: string[] = []
  for (const [hash, stored] of await store.list(category)) {
    // A token rotated out a moment ago is its successor's session, not one of its own.
    if (stored.rotatedTo !== undefined && stored.userId === userId) continue
    if (stored.userId !== userId || !isLive(stored, now, config)) expired.push(hash)
    else if (!active[stored.id]?.current) active[stored.id] = toActiveSession(stored, hash === currentHash)
  }
  // Engines that cannot expire entries themselves are cleaned as their sessions are listed.
  await Promise.all(expired.map((hash) => store.remove(hash, category)))
  return active
}
