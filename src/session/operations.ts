import type { IncomingMessage } from 'node:http'
import type { SessionContext } from '../context'
import { clearSessionCookie, preventCaching, writeSessionCookie } from '../cookie'
import { isForgeryRisk, judgeCrossSite } from '../csrf'
import { CrossSiteLogInError, inputError, SessionError } from '../errors'
import { cookieExpiry, expiryFrom } from '../expiry'
import { categoryOf, hashToken, rotatedCategoryOf } from '../keys'
import type { StoredSession } from '../record'
import { generateSessionId, generateToken, parseToken } from '../token'
import { mergeData, type SessionDataPatch } from './data'
import { listActive, normalizeAuthenticatableId, type ActiveSession, type AuthenticatableId } from './facts'
import { endSession, endSessionsWhere, liveSuccessor, removeRotatedOut, rotateToken, rotationInPlay } from './rotation'
import { adopt, clientIp, lastIpOf, reset, type SessionState } from './state'

export { updateData, updateDeviceId } from './writes'

/** Options of `logIn()`. */
export interface LogInOptions {
  /** The new session's data (see `SessionData`). @default {} */
  data?: SessionDataPatch
  /**
   * Whether the cookie outlives the browser session ("remember me"); `false` sends a browser-session
   * cookie, and the session's renewals keep it one. The server-side timeouts hold either way.
   * @default the `persistentCookie` option
   */
  persistent?: boolean
}

// Bounds what a client can make us store per session.
const MAX_USER_AGENT_LENGTH = 512

/** Tells the `revoke` listeners which sessions of `userId` ended; one call for every way sessions end. */
export function emitRevoke(
  context: SessionContext,
  userId: string,
  sessionIds: readonly string[],
  request?: IncomingMessage
): void {
  if (sessionIds.length > 0) context.events.emit('revoke', { sessionIds: [...sessionIds], userId, request })
}

/**
 * Removes every session of `userId` but `keepHash` (session `keepId`; every entry of it when
 * `rotating`), their rotated-out tokens, and tells the `revoke` listeners. The ids are read
 * first only when someone listens, so the common case stays one engine call.
 */
export async function removeAllOf(
  context: SessionContext,
  userId: string,
  keepHash?: string,
  request?: IncomingMessage,
  keepId?: string,
  rotating = false
): Promise<void> {
  const { config, store, events } = context
  const category = categoryOf(config, userId)
  const ids = events.has('revoke')
    ? [
        ...new Set(
          (await store.list(category))
            .filter(([hash, stored]) => hash !== keepHash && stored.id !== keepId)
            .map(([, stored]) => stored.id)
        )
      ]
    : []
  if (keepId !== undefined && rotating) {
    // By session id, not by hash: a rotation of the kept session landing meanwhile keeps its new token.
    await endSessionsWhere(context, userId, (id) => id !== keepId)
  } else {
    await store.removeAll(category, keepHash)
    // Their rotated-out tokens go too, so none of them is later taken for a reuse of a live session.
    if (keepHash === undefined) await store.removeAll(rotatedCategoryOf(config, userId))
    else if (keepId !== undefined) await removeRotatedOut(context, userId, (id) => id !== keepId)
  }
  emitRevoke(context, userId, ids, request)
}

/** Starts a new session (see `Session#logIn`). */
export async function logIn(
  state: SessionState,
  authenticatableId: AuthenticatableId,
  options: LogInOptions = {}
): Promise<void> {
  const { request, response, context } = state
  if (!response) {
    throw new SessionError(
      'logIn() needs a response to carry the new token; a session from readSession() cannot log in',
      { code: 'ESR_SESSION_NO_RESPONSE' }
    )
  }
  const userId = normalizeAuthenticatableId(authenticatableId)
  const { config, store } = context
  const data = mergeData(undefined, options?.data ?? {}, config.maxDataBytes)
  const persistent = options?.persistent ?? config.persistentCookie
  if (typeof persistent !== 'boolean') throw inputError('logIn() option "persistent" must be a boolean')
  refuseCrossSiteLogIn(state)
  const disposed = state.stored
  if (state.hash && disposed) {
    await store.remove(state.hash, categoryOf(config, disposed.userId))
    if (rotationInPlay(context, disposed)) await endSession(context, disposed.userId, disposed.id)
  }
  const now = Date.now()
  const ip = clientIp(request)
  const userAgent = request.headers['user-agent']
  const stored: StoredSession = {
    id: generateSessionId(),
    userId,
    firstAccessed: now,
    lastAccessed: now,
    firstIp: ip,
    lastIp: ip,
    userAgent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT_LENGTH),
    deviceId: null,
    expiresAt: expiryFrom(now, now, config),
    ...(data && { data }),
    ...(!persistent && { persistent: false as const })
  }
  const token = generateToken()
  const hash = hashToken(token, config.hashKey)
  const removed = await store.create(hash, categoryOf(config, userId), stored, config.maxSessionsPerUser)
  // An entry rotated out a moment ago is no session of its own; a capped session's rotated-out tokens go with it.
  const capped = removed.filter((ended) => ended.rotatedTo === undefined)
  const cappedIds = new Set(capped.map((ended) => ended.id))
  if (capped.some((ended) => ended.issuedAt !== undefined))
    await removeRotatedOut(context, userId, (id) => cappedIds.has(id))
  adopt(state, token, hash, stored)
  preventCaching(response)
  if (config.transports.bearer) response.setHeader('Authorization', `bearer ${token}`)
  if (config.transports.cookie) {
    const cookieExpiresAt = cookieExpiry(stored.expiresAt, now, config)
    writeSessionCookie(request, response, config.cookie, token, cookieExpiresAt, now, persistent)
  }
  context.events.emit('logIn', { sessionId: stored.id, userId, request })
  emitRevoke(context, userId, [...cappedIds], request)
}

/**
 * Login CSRF: another site must not plant its session in this browser, nor start one at all through
 * it. Throws before anything changes; in report-only mode only reports. Bearer-only registries are not
 * judged: no cookie is set, and a cross-site page cannot read the response header.
 */
function refuseCrossSiteLogIn(state: SessionState): void {
  const { request, context } = state
  if (!context.config.transports.cookie) return
  const verdict = judgeCrossSite(request, context.config)
  if (!verdict) return
  context.events.emit('crossSiteRefused', {
    reason: verdict.reason,
    action: 'logIn',
    reportOnly: !verdict.enforced,
    origin: verdict.origin,
    method: String(request.method),
    ip: clientIp(request),
    request
  })
  if (verdict.enforced) throw new CrossSiteLogInError(verdict.reason)
}

/** Ends this session or another of the same authenticatable (see `Session#logOut`). */
export async function logOut(state: SessionState, tokenOrSessionId?: string): Promise<boolean> {
  const { request, response, context } = state
  const { config, store } = context
  const own = tokenOrSessionId === undefined || tokenOrSessionId === state.id || tokenOrSessionId === state.token
  if (own) {
    const ended = state.stored
    if (ended) {
      await store.remove(state.hash!, categoryOf(config, ended.userId))
      // A concurrent rotation may have given the session another token: every entry of it goes.
      if (rotationInPlay(context, ended)) await endSession(context, ended.userId, ended.id)
    }
    // Logout CSRF: another site must not sign this browser out.
    if (
      response &&
      config.transports.cookie &&
      (ended || tokenOrSessionId === undefined) &&
      !isForgeryRisk(request, config)
    )
      clearSessionCookie(request, response, config.cookie, Date.now())
    reset(state)
    if (ended) context.events.emit('logOut', { sessionId: ended.id, userId: ended.userId, request })
    return ended !== undefined
  }
  const owner = state.stored
  if (!owner || typeof tokenOrSessionId !== 'string') return false
  const target =
    (await listedSession(context, owner.userId, tokenOrSessionId)) ??
    (await ownedByToken(state, tokenOrSessionId, owner.userId))
  if (!target) return false
  await endListed(context, owner.userId, target, request)
  return true
}

/** Ends session `sessionId` of `userId` (see `Session.logOutSession`); whether it was live. */
export async function logOutSessionOf(context: SessionContext, userId: string, sessionId: string): Promise<boolean> {
  const target = await listedSession(context, userId, sessionId)
  if (!target) return false
  await endListed(context, userId, target)
  return true
}

/** The live entry of session `sessionId` among `userId`'s, as `[hash, stored]`. */
async function listedSession(
  context: SessionContext,
  userId: string,
  sessionId: string
): Promise<[string, StoredSession] | undefined> {
  const listed = await context.store.list(categoryOf(context.config, userId))
  return listed.find(([, stored]) => stored.id === sessionId)
}

/** Ends a session of `userId` found by listing or by token, its rotated-out tokens too, and says so. */
async function endListed(
  context: SessionContext,
  userId: string,
  [hash, stored]: [string, StoredSession],
  request?: IncomingMessage
): Promise<void> {
  await context.store.remove(hash, categoryOf(context.config, userId))
  if (rotationInPlay(context, stored)) await endSession(context, userId, stored.id)
  emitRevoke(context, userId, [stored.id], request)
}

/** The session a token stands for, by hash, if it belongs to `userId`. */
async function ownedByToken(
  state: SessionState,
  value: string,
  userId: string
): Promise<[string, StoredSession] | undefined> {
  const token = parseToken(value)
  if (!token) return undefined
  const hash = hashToken(token, state.context.config.hashKey)
  const stored = await state.context.store.find(hash)
  if (!stored || stored.userId !== userId) return undefined
  // A rotated-out token names its session: the live entry is the one to end.
  return stored.rotatedTo === undefined
    ? [hash, stored]
    : ((await liveSuccessor(state.context, stored)) ?? [hash, stored])
}

/** Ends every other session of this authenticatable. */
export async function logOutOthers(state: SessionState): Promise<void> {
  if (!state.hash || !state.stored) return
  const { stored } = state
  await removeAllOf(
    state.context,
    stored.userId,
    state.hash,
    state.request,
    stored.id,
    rotationInPlay(state.context, stored)
  )
}

/** Replaces this session's token, keeping its id, data and facts (see `Session#rotate`). */
export async function rotate(state: SessionState): Promise<boolean> {
  if (!state.hash || !state.stored) return false
  if (state.response?.headersSent) {
    throw new SessionError('rotate() must be called before the response is sent: the new token goes in it', {
      code: 'ESR_SESSION_NO_RESPONSE'
    })
  }
  return rotateToken(state, 'requested', state.carrier)
}

/** All live sessions of this authenticatable, this one marked `current` and showing this request's access. */
export async function activeSessions(state: SessionState): Promise<Record<string, ActiveSession>> {
  if (!state.stored) return {}
  const active = await listActive(state.context, state.stored.userId, state.hash)
  const current = state.id === null ? undefined : active[state.id]
  if (current && state.lastAccessed) {
    current.lastAccessed = new Date(state.lastAccessed)
    current.lastIp = lastIpOf(state)
  }
  return active
}
