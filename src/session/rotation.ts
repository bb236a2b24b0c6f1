// Token rotation: a session's token is replaced by a new one while its id, data and facts stay. The
// rotated-out entry keeps a pointer to its successor: during the grace it stands for the successor (a
// request in flight with the old token still succeeds), after it the token's return ends the session.
import type { SessionContext } from '../context'
import { preventCaching, writeSessionCookie } from '../cookie'
import { SessionEngineError, SessionError } from '../errors'
import { cookieExpiry, expiryFrom, isLive } from '../expiry'
import { categoryOf, hashToken, rotatedCategoryOf } from '../keys'
import type { Transport } from '../options'
import type { StoredSession } from '../record'
import { generateToken } from '../token'
import { adopt, clientIp, reset, type SessionState } from './state'

/** How many rotated-out entries in a row are followed to the live one (rotations within one grace). */
export const MAX_FOLLOWS = 4

/** How many times a rotation reads again after another write changed the entry under it. */
const MAX_ROTATION_ATTEMPTS = 8

/** How long a rotated-out token is remembered when the session has no timeout: 30 days. */
const UNBOUNDED_MARKER_MS = 30 * 24 * 60 * 60 * 1_000

/** Whether the session has, or may have, entries besides the one a request holds: rotation is in play. */
export function rotationInPlay(context: SessionContext, stored: StoredSession): boolean {
  return context.config.rotateAfterMs !== null || stored.issuedAt !== undefined || stored.rotatedTo !== undefined
}

/**
 * Replaces the token of the session in `state` (entry `hash`, as `stored`) by a new one, and answers it
 * the way the old one came (`carrier`; both enabled transports for a session logged in during this
 * request). Resolves whether the request still has its session.
 *
 * The successor is written first, then the old entry is claimed by a compare-and-set on its version,
 * then moved out of the user's category as the marker that names the session. When the claim fails,
 * another request rotated first (the pointer is followed) or the data changed (the rotation starts
 * again from a fresh read): the successor is removed, so a session never forks into two live tokens.
 */
export async function rotateToken(
  state: SessionState,
  reason: 'age' | 'requested',
  carrier: Transport | undefined
): Promise<boolean> {
  const { request, response, context } = state
  const { config, store } = context
  if (!response) {
    throw new SessionError('rotate() needs a response to carry the new token; a session from readSession() cannot', {
      code: 'ESR_SESSION_NO_RESPONSE'
    })
  }
  // Called on a state that stands for a live session (the request path, or rotate() after its check).
  const hash = state.hash!
  let current = state.stored!
  const category = categoryOf(config, current.userId)
  for (let attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
    const now = Date.now()
    const token = generateToken()
    const successorHash = hashToken(token, config.hashKey)
    const successor: StoredSession = {
      ...current,
      issuedAt: now,
      lastAccessed: now,
      lastIp: clientIp(request),
      expiresAt: expiryFrom(now, current.firstAccessed, config)
    }
    await store.save(successorHash, category, successor)
    const version = current.version ?? 0
    const claim = { rotatedTo: successorHash, rotatedAt: now, version: version + 1 }
    if (await store.patch(hash, category, claim, version)) {
      // The marker names the session; its data stays with the live entry alone.
      const marker: StoredSession = { ...current, ...claim }
      delete marker.data
      marker.expiresAt = expiryFrom(now, current.firstAccessed, config) ?? now + UNBOUNDED_MARKER_MS
      await store.save(hash, rotatedCategoryOf(config, current.userId), marker)
      adopt(state, token, successorHash, successor)
      state.carrier = carrier
      deliver(state, token, successor, now)
      context.events.emit('rotate', { sessionId: successor.id, userId: successor.userId, request, reason })
      return true
    }
    await store.remove(successorHash, category)
    const fresh = await store.find(hash)
    if (!fresh || fresh.id !== current.id || fresh.userId !== current.userId) return lost(state)
    if (fresh.rotatedTo !== undefined) {
      const live = await liveSuccessor(context, fresh)
      if (!live) return lost(state)
      adopt(state, state.token!, live[0], live[1])
      state.carrier = carrier
      return true
    }
    if (!isLive(fresh, now, config)) return lost(state)
    current = fresh
  }
  throw new SessionEngineError(
    'rotate the token',
    new Error(`the entry was changed by another write on each of ${MAX_ROTATION_ATTEMPTS} attempts`)
  )
}

function lost(state: SessionState): false {
  reset(state)
  return false
}

/** Sends the new token where the old one came, on a response no cache may keep. */
function deliver(state: SessionState, token: string, successor: StoredSession, now: number): void {
  const { request, response, context, carrier } = state
  const { config } = context
  preventCaching(response!)
  if (carrier !== 'cookie' && config.transports.bearer) response!.setHeader('Authorization', `bearer ${token}`)
  if (carrier !== 'bearer' && config.transports.cookie) {
    const expiresAt = cookieExpiry(successor.expiresAt, successor.firstAccessed, config)
    writeSessionCookie(request, response!, config.cookie, token, expiresAt, now, successor.persistent !== false)
  }
}

/**
 * The live entry a rotated-out one stands for, following successive rotations, or `undefined` when the
 * session is gone. Resolves `[hash, stored]`.
 */
export async function liveSuccessor(
  context: SessionContext,
  rotated: StoredSession
): Promise<[string, StoredSession] | undefined> {
  let pointer = rotated
  for (let follows = 0; follows < MAX_FOLLOWS && pointer.rotatedTo !== undefined; follows++) {
    const hash = pointer.rotatedTo
    const next = await context.store.find(hash)
    if (!next || next.id !== rotated.id || next.userId !== rotated.userId) return undefined
    if (next.rotatedTo === undefined) return isLive(next, Date.now(), context.config) ? [hash, next] : undefined
    pointer = next
  }
  return undefined
}

/** Whether a rotated-out entry's grace is over at `now`: its token's return is then a reuse. */
export function isPastGrace(rotated: StoredSession, now: number, context: SessionContext): boolean {
  return now >= rotated.rotatedAt! + context.config.rotationGraceMs
}

/**
 * Ends a session whose rotated-out token came back after its grace (the entry `hash`, as `rotated`),
 * and tells the `'tokenReuse'` listeners. Every entry of the session goes: its live token, whoever holds
 * it, and every rotated-out one.
 */
export async function endReusedSession(state: SessionState, hash: string, rotated: StoredSession): Promise<void> {
  const { context, request } = state
  await endSession(context, rotated.userId, rotated.id, [hash])
  context.events.emit('tokenReuse', {
    sessionId: rotated.id,
    userId: rotated.userId,
    ip: clientIp(request),
    request
  })
}

/**
 * Removes every entry of session `sessionId`: the `known` hashes, its entries in the user's category
 * and its rotated-out tokens. The category is listed again after each pass that removed something: a
 * rotation claims an entry only after writing its successor, so a successor written while a pass runs is
 * seen by the next one, and a rotation that claims after a pass removed its entry fails.
 */
export async function endSession(
  context: SessionContext,
  userId: string,
  sessionId: string,
  known: readonly string[] = []
): Promise<void> {
  const category = categoryOf(context.config, userId)
  await Promise.all(known.map((hash) => context.store.remove(hash, category)))
  await endSessionsWhere(context, userId, (id) => id === sessionId)
}

/**
 * Removes every entry, live or rotated out, of the sessions of `userId` whose id `matches`, listing
 * again after each pass that removed something (see {@link endSession}); `logOutOthers()` under
 * rotation, so that a rotation of the kept session, whose new token no hash names yet, is kept too.
 */
export async function endSessionsWhere(
  context: SessionContext,
  userId: string,
  matches: (sessionId: string) => boolean
): Promise<void> {
  const { config, store } = context
  const category = categoryOf(config, userId)
  for (let pass = 0; pass < MAX_FOLLOWS; pass++) {
    const entries = (await store.list(category)).filter(([, stored]) => matches(stored.id))
    if (entries.length === 0) break
    await Promise.all(entries.map(([hash]) => store.remove(hash, category)))
  }
  await removeRotatedOut(context, userId, matches)
}

/** Removes the rotated-out tokens of `userId` whose session id `matches`. */
export async function removeRotatedOut(
  context: SessionContext,
  userId: string,
  matches: (sessionId: string) => boolean
): Promise<void> {
  const { config, store } = context
  const category = rotatedCategoryOf(config, userId)
  const entries = (await store.list(category)).filter(([, stored]) => matches(stored.id))
  await Promise.all(entries.map(([hash]) => store.remove(hash, category)))
}
