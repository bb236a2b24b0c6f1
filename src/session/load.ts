import { readSessionCookie, writeSessionCookie } from '../cookie'
import { isForgeryRisk } from '../csrf'
import { expiryFrom, isDueForRenewal, isLive } from '../expiry'
import { andThen, type MaybePromise } from '../maybe'
import { categoryOf, hashToken } from '../keys'
import type { StoredSession } from '../record'
import { parseToken, tokenFromAuthorization } from '../token'
import { adopt, clientIp, UNREAD_IP, type SessionState } from './state'

/** The token a request came with, and whether the cookie carried it (rather than a Bearer header). */
interface CarriedToken {
  token: string
  viaCookie: boolean
}

/**
 * Loads the session a request carries into its state: synchronously when the engine answers
 * synchronously, so the middleware can call `next()` in the same tick.
 */
export function load(state: SessionState): MaybePromise<void> {
  const carried = carriedToken(state)
  if (!carried) return
  const hash = hashToken(carried.token, state.context.config.hashKey)
  return andThen(state.context.store.find(hash), (stored) => stored && resume(state, carried, hash, stored))
}

function carriedToken(state: SessionState): CarriedToken | undefined {
  const { request, context } = state
  const fromHeader = tokenFromAuthorization(request.headers.authorization)
  if (fromHeader !== undefined) return fromHeader === null ? undefined : { token: fromHeader, viaCookie: false }
  const token = parseToken(readSessionCookie(request, context.config.cookie.name))
  if (!token || isForgeryRisk(request, context.config)) return undefined
  return { token, viaCookie: true }
}

/** Adopts a stored session if it is live, renewing it (or recording this access) when due. */
function resume(state: SessionState, carried: CarriedToken, hash: string, stored: StoredSession): MaybePromise<void> {
  const { request, response, context } = state
  const { config, store } = context
  const now = Date.now()
  const category = categoryOf(config, stored.userId)
  if (!isLive(stored, now, config)) return store.remove(hash, category)
  const renew = isDueForRenewal(stored, now, config)
  if (!renew && !config.trackSessionAccess) {
    adopt(state, carried.token, hash, stored)
    state.lastAccessed = new Date(now)
    state.lastIp = UNREAD_IP
    return
  }
  const lastIp = clientIp(request)
  const expiresAt = renew ? expiryFrom(now, stored.firstAccessed, config) : stored.expiresAt
  const access = { lastAccessed: now, lastIp, expiresAt }
  // Only the access fields are written, never the copy this request read: an updateData() that lands
  // between our read and this write keeps its data, and a logOut that lands there wins (touch() never
  // revives an entry).
  return andThen(store.touch(hash, category, access), (applied) => {
    if (!applied) return
    const updated: StoredSession = { ...stored, ...access }
    adopt(state, carried.token, hash, updated)
    if (!renew) return
    if (carried.viaCookie && response) {
      writeSessionCookie(request, response, config.cookie, carried.token, expiresAt, now)
    }
    context.events.emit('renew', {
      sessionId: updated.id,
      userId: updated.userId,
      request,
      expiresAt: state.expiresAt
    })
  })
}
