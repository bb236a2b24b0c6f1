import { clearSessionCookie, readSessionCookie, writeSessionCookie } from '../cookie'
import { judgeCrossSite } from '../csrf'
import { expiryFrom, isDueForRenewal, isDueForRotation, isLive } from '../expiry'
import { andThen, type MaybePromise } from '../maybe'
import { categoryOf, hashToken } from '../keys'
import type { Transport } from '../options'
import type { StoredSession } from '../record'
import { parseToken, tokenFromAuthorization } from '../token'
import { endReusedSession, isPastGrace, MAX_FOLLOWS, rotateToken } from './rotation'
import { adopt, clientIp, dateOf, UNREAD_IP, type SessionState } from './state'

/** The token a request came with, and what carried it. */
interface CarriedToken {
  token: string
  transport: Transport
  /** How many rotated-out entries were followed to reach this one (0: the token's own entry). */
  follows?: number
}

/**
 * Loads the session a request carries into its state: synchronously when the engine answers
 * synchronously, so the middleware can call `next()` in the same tick.
 *
 * A Bearer header is tried first (a client sends it on purpose; a browser attaches the cookie unasked).
 * When it stands for no live session the cookie is tried next, under the cross-site rule as always: an
 * invalid header cannot hide a valid cookie, and gains nothing the cookie would not give on its own.
 */
export function load(state: SessionState): MaybePromise<void> {
  const { transports } = state.context.config
  const fromHeader = transports.bearer ? tokenFromAuthorization(state.request.headers.authorization) : undefined
  if (fromHeader === null) reportInvalidToken(state, 'malformed', 'bearer')
  if (typeof fromHeader !== 'string') return loadFromCookie(state)
  return andThen(loadToken(state, { token: fromHeader, transport: 'bearer' }), (adopted) =>
    adopted ? undefined : loadFromCookie(state)
  )
}

/**
 * Loads the cookie's session, unless the cross-site rule refuses it. A cookie that stands for no live
 * session is expired in this response (not on a request judged cross-site, which must never change it).
 */
function loadFromCookie(state: SessionState): MaybePromise<void> {
  const { request, context } = state
  const { config } = context
  if (!config.transports.cookie) return
  const value = readSessionCookie(request, config.cookie.name)
  if (value === undefined || value === '') return
  const verdict = judgeCrossSite(request, config)
  if (verdict) {
    if (context.events.has('crossSiteRefused'))
      context.events.emit('crossSiteRefused', {
        reason: verdict.reason,
        action: 'session',
        reportOnly: !verdict.enforced,
        origin: verdict.origin,
        method: String(request.method),
        ip: clientIp(request),
        request
      })
    if (verdict.enforced) return
  }
  const expireStale = (): void => {
    if (verdict === undefined && state.response && !state.response.headersSent)
      clearSessionCookie(request, state.response, config.cookie, Date.now())
  }
  const token = parseToken(value)
  if (!token) {
    reportInvalidToken(state, 'malformed', 'cookie')
    expireStale()
    return
  }
  return andThen(loadToken(state, { token, transport: 'cookie' }), (adopted) => {
    if (!adopted) expireStale()
  })
}

/** Looks a token up and adopts its session; resolves whether there was a live one. */
function loadToken(state: SessionState, carried: CarriedToken): MaybePromise<boolean> {
  const hash = hashToken(carried.token, state.context.config.hashKey)
  return andThen(state.context.store.find(hash), (stored) => {
    if (stored) return resume(state, carried, hash, stored)
    reportInvalidToken(state, 'unknown', carried.transport)
    return false
  })
}

function reportInvalidToken(state: SessionState, reason: 'malformed' | 'unknown', transport: Transport): void {
  const { request, context } = state
  if (context.events.has('invalidToken'))
    context.events.emit('invalidToken', { reason, transport, ip: clientIp(request), request })
}

/**
 * Adopts a stored session if it is live, renewing it (or recording this access) when due; resolves
 * whether it was adopted. An expired one is removed and reported.
 */
function resume(
  state: SessionState,
  carried: CarriedToken,
  hash: string,
  stored: StoredSession
): MaybePromise<boolean> {
  const { request, response, context } = state
  const { config, store } = context
  const now = Date.now()
  if (stored.rotatedTo !== undefined) return resumeRotatedOut(state, carried, hash, stored, now)
  const category = categoryOf(config, stored.userId)
  if (!isLive(stored, now, config)) {
    const absolute = config.absoluteTimeoutMs !== null && stored.firstAccessed + config.absoluteTimeoutMs <= now
    context.events.emit('expired', {
      sessionId: stored.id,
      userId: stored.userId,
      request,
      timeout: absolute ? 'absolute' : 'idle'
    })
    return andThen(store.remove(hash, category), () => false)
  }
  const followed = (carried.follows ?? 0) > 0
  if (!followed && response && isDueForRotation(stored, now, config)) {
    adopt(state, carried.token, hash, stored)
    state.carrier = carried.transport
    return rotateToken(state, 'age', carried.transport)
  }
  const renew = isDueForRenewal(stored, now, config)
  if (!renew && !config.trackSessionAccess) {
    adopt(state, carried.token, hash, stored)
    state.carrier = carried.transport
    state.lastAccessed = now
    state.lastIp = UNREAD_IP
    return true
  }
  const lastIp = clientIp(request)
  const expiresAt = renew ? expiryFrom(now, stored.firstAccessed, config) : stored.expiresAt
  const access = { lastAccessed: now, lastIp, expiresAt }
  // Only the access fields are written, never the copy this request read: an updateData() that lands
  // between our read and this write keeps its data, and a logOut that lands there wins (touch() never
  // revives an entry).
  return andThen(store.touch(hash, category, access), (applied) => {
    if (!applied) return resumeAfterLostTouch(state, carried, hash)
    const updated: StoredSession = { ...stored, ...access }
    adopt(state, carried.token, hash, updated)
    state.carrier = carried.transport
    if (!renew) return true
    // A browser-session cookie has no lifetime to move; the server-side expiry moved all the same. Under
    // rotation the cookie is issued to outlive its token's renewals, and a response to a request begun
    // before a rotation must never put the rotated-out token back in the browser.
    if (
      carried.transport === 'cookie' &&
      response &&
      updated.persistent !== false &&
      !followed &&
      config.rotateAfterMs === null
    ) {
      writeSessionCookie(request, response, config.cookie, carried.token, expiresAt, now)
    }
    context.events.emit('renew', {
      sessionId: updated.id,
      userId: updated.userId,
      request,
      expiresAt: dateOf(state.expiresAt)
    })
    return true
  })
}

/**
 * The access was not recorded: the entry was removed, or rotated by another request since it was read.
 * A rotated one is followed (this request is one in flight with the old token); anything else is gone.
 */
function resumeAfterLostTouch(state: SessionState, carried: CarriedToken, hash: string): MaybePromise<boolean> {
  return andThen(state.context.store.find(hash), (fresh) =>
    fresh?.rotatedTo !== undefined ? resumeRotatedOut(state, carried, hash, fresh, Date.now()) : false
  )
}

/**
 * A token rotated out of its session: during the grace the request is served its successor's session
 * (so `updateData()` and `logOut()` act on the live entry); after it, the token's return ends the whole
 * session and is reported as `'tokenReuse'`.
 */
function resumeRotatedOut(
  state: SessionState,
  carried: CarriedToken,
  hash: string,
  rotated: StoredSession,
  now: number
): MaybePromise<boolean> {
  const { context } = state
  if (isPastGrace(rotated, now, context)) return andThen(endReusedSession(state, hash, rotated), () => false)
  const follows = (carried.follows ?? 0) + 1
  const successorHash = rotated.rotatedTo!
  if (follows > MAX_FOLLOWS) return false
  return andThen(context.store.find(successorHash), (successor) =>
    successor && successor.id === rotated.id && successor.userId === rotated.userId
      ? resume(state, { ...carried, follows }, successorHash, successor)
      : false
  )
}
