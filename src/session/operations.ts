import type { IncomingMessage } from 'node:http'
import type { SessionContext } from '../context'
import { clearSessionCookie, preventCaching, writeSessionCookie } from '../cookie'
import { isForgeryRisk, judgeCrossSite } from '../csrf'
import { CrossSiteLogInError, inputError, SessionEngineError, SessionError } from '../errors'
import { expiryFrom, isLive } from '../expiry'
import { categoryOf, hashToken } from '../keys'
import type { StoredSession } from '../record'
import { generateSessionId, generateToken, parseToken } from '../token'
import { mergeData, type SessionDataPatch } from './data'
import { assertWellFormed } from './storable'
import { listActive, normalizeAuthenticatableId, type ActiveSession, type AuthenticatableId } from './facts'
import { adopt, clientIp, lastIpOf, reset, type SessionState } from './state'

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
const MAX_DEVICE_ID_LENGTH = 256

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
 * Removes every session of `userId` but `keepHash`, and tells the `revoke` listeners. The ids are read
 * first only when someone listens, so the common case stays one engine call.
 */
export async function removeAllOf(
  context: SessionContext,
  userId: string,
  keepHash?: string,
  request?: IncomingMessage
): Promise<void> {
  const { config, store, events } = context
  const category = categoryOf(config, userId)
  const ids = events.has('revoke')
    ? (await store.list(category)).filter(([hash]) => hash !== keepHash).map(([, stored]) => stored.id)
    : []
  await store.removeAll(category, keepHash)
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
  if (state.hash && state.stored) await store.remove(state.hash, categoryOf(config, state.stored.userId))
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
  const capped = await store.create(hash, categoryOf(config, userId), stored, config.maxSessionsPerUser)
  adopt(state, token, hash, stored)
  preventCaching(response)
  if (config.transports.bearer) response.setHeader('Authorization', `bearer ${token}`)
  if (config.transports.cookie)
    writeSessionCookie(request, response, config.cookie, token, stored.expiresAt, now, persistent)
  context.events.emit('logIn', { sessionId: stored.id, userId, request })
  emitRevoke(context, userId, capped, request)
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
    if (ended) await store.remove(state.hash!, categoryOf(config, ended.userId))
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
  const category = categoryOf(config, owner.userId)
  const target =
    (await store.list(category)).find(([, stored]) => stored.id === tokenOrSessionId) ??
    (await ownedByToken(state, tokenOrSessionId, owner.userId))
  if (!target) return false
  await store.remove(target[0], category)
  emitRevoke(context, owner.userId, [target[1].id], request)
  return true
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
  return stored && stored.userId === userId ? [hash, stored] : undefined
}

/** Ends every other session of this authenticatable. */
export async function logOutOthers(state: SessionState): Promise<void> {
  if (!state.hash || !state.stored) return
  await removeAllOf(state.context, state.stored.userId, state.hash, state.request)
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

/** Records a device id on this session (see `Session#updateDeviceId`). */
export async function updateDeviceId(state: SessionState, deviceId: string): Promise<boolean> {
  if (typeof deviceId !== 'string' || deviceId.length > MAX_DEVICE_ID_LENGTH) {
    throw inputError(`deviceId must be a string of at most ${MAX_DEVICE_ID_LENGTH} characters`)
  }
  assertWellFormed(deviceId, 'deviceId')
  if (!state.hash || !state.stored) return false
  const { config, store } = state.context
  // Only the device id is written, so a concurrent updateData() or access record is kept.
  if (!(await store.patch(state.hash, categoryOf(config, state.stored.userId), { deviceId }))) {
    reset(state)
    return false
  }
  state.stored = { ...state.stored, deviceId }
  state.deviceId = deviceId
  return true
}

/** How many times `updateData()` reads again after another write changed the data under it. */
const MAX_DATA_WRITE_ATTEMPTS = 16

/**
 * Merges `patch` into this session's data (see `Session#updateData`): merged into the data as stored,
 * validated, then written with a compare-and-set on the entry's `version`, read again and merged anew
 * when another write got there first, so no concurrent change is undone.
 */
export async function updateData(state: SessionState, patch: SessionDataPatch): Promise<boolean> {
  const { config, store } = state.context
  // Validated before anything is read, so a bad patch is a TypeError with or without a session.
  mergeData(state.stored?.data, patch, config.maxDataBytes)
  const hash = state.hash
  let current = state.stored
  if (!hash || !current) return false
  const category = categoryOf(config, current.userId)
  for (let attempt = 0; attempt < MAX_DATA_WRITE_ATTEMPTS; attempt++) {
    const version = current.version ?? 0
    const data = mergeData(current.data, patch, config.maxDataBytes)
    if (await store.patch(hash, category, { data, version: version + 1 }, version)) {
      const written: StoredSession = { ...current, version: version + 1 }
      if (data) written.data = data
      else delete written.data
      state.stored = written
      return true
    }
    const fresh = await store.find(hash)
    if (!fresh || fresh.userId !== current.userId || !isLive(fresh, Date.now(), config)) {
      reset(state)
      return false
    }
    current = fresh
  }
  throw new SessionEngineError(
    'update the session data',
    new Error(`it was changed by another write on each of ${MAX_DATA_WRITE_ATTEMPTS} attempts`)
  )
}
