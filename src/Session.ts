import type { Request, Response } from 'express'
import { inspect } from 'node:util'
import { contextFor, type SessionContext } from './context'
import { clearSessionCookie, readSessionCookie, writeSessionCookie } from './cookie'
import { isForgeryRisk } from './csrf'
import { expiryFrom, isDueForRenewal, isLive } from './expiry'
import { andThen, type MaybePromise } from './maybe'
import type { SessionOptions } from './options'
import { categoryOf, type StoredSession } from './record'
import { generateSessionId, generateToken, hashToken, parseToken, tokenFromAuthorization } from './token'

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
  /** Whether this is the session of the request that asked. */
  current: boolean
}

/** What `JSON.stringify(request.session)` gives: the session's facts, never its token. */
export type SessionFacts = { authenticated: boolean } & {
  [K in keyof Omit<ActiveSession, 'current'>]: ActiveSession[K] | null
}

// Marks a request IP not read yet: Express computes `request.ip` on every access (proxy trust rules).
const UNREAD_IP = Symbol('unread ip')

// Bounds what a client can make us store per session.
const MAX_USER_AGENT_LENGTH = 512
const MAX_DEVICE_ID_LENGTH = 256

/** Who can be logged in: a non-empty string, a finite number or a bigint. */
function normalizeAuthenticatableId(id: unknown): string {
  const valid =
    (typeof id === 'string' && id.length > 0) ||
    (typeof id === 'number' && Number.isFinite(id)) ||
    typeof id === 'bigint'
  if (!valid)
    throw new TypeError(
      `express-session-registry: authenticatableId must be a non-empty string, a number or a bigint, got ${typeof id}`
    )
  return String(id)
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
    current
  }
}

async function listActive(
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
    if (stored.userId !== userId || !isLive(stored, now, config)) expired.push(hash)
    else active[stored.id] = toActiveSession(stored, hash === currentHash)
  }
  // Engines that cannot expire entries themselves are cleaned as their sessions are listed.
  await Promise.all(expired.map((hash) => store.remove(hash, category)))
  return active
}

/** The token a request came with, and whether the cookie carried it (rather than a Bearer header). */
interface CarriedToken {
  token: string
  viaCookie: boolean
}

/**
 * Loads a session from its request: synchronously when the engine answers synchronously, so the
 * middleware can call `next()` in the same tick. Internal; `prepare()` is the public form.
 */
export let loadSession: (session: Session) => MaybePromise<void>

/**
 * The session of one request, at `request.session`. Unauthenticated until a valid token came with the
 * request or `logIn()` was called.
 */
export class Session {
  /** Whether the request carries a live session. */
  authenticated = false
  /** The session id: stable for the session's life, not the token, safe to show and to log. */
  id: string | null = null
  /** Who is logged in, as given to `logIn()` (as a string). */
  authenticatableId: string | null = null
  /** The raw token of this request's session. Never stored; hidden from `JSON.stringify` and `inspect`. */
  token: string | null = null
  /** When the session was created at log in. */
  firstAccessed: Date | null = null
  /** This request's time. */
  lastAccessed: Date | null = null
  /** The IP of the log in request. */
  firstIp: string | null = null
  /** This request's IP (`request.ip`), read from the request only when asked for. */
  get lastIp(): string | null {
    if (this.#lastIp === UNREAD_IP) this.#lastIp = this.#request.ip ?? null
    return this.#lastIp
  }
  set lastIp(ip: string | null) {
    this.#lastIp = ip
  }
  /** The user agent of the log in request. */
  userAgent: string | null = null
  /** A device id recorded with `updateDeviceId()`. */
  deviceId: string | null = null
  /** When the session ends unless renewed; `null` when no timeout applies. */
  expiresAt: Date | null = null

  readonly #request: Request
  readonly #response: Response
  readonly #context: SessionContext
  #hash: string | undefined
  #stored: StoredSession | undefined
  #lastIp: string | null | typeof UNREAD_IP = null

  /** Builds the (still unloaded) session of a request; `injectSession()` builds and loads it for you. */
  constructor(request: Request, response: Response, options?: SessionOptions) {
    this.#request = request
    this.#response = response
    this.#context = contextFor(options)
  }

  /** Alias of {@link authenticatableId} (the newer upstream name). */
  get userId(): string | null {
    return this.authenticatableId
  }

  /** @deprecated Alias of {@link authenticatableId}, as the original README spells it. */
  get authenticatableID(): string | null {
    return this.authenticatableId
  }

  /** All live sessions of an authenticatable, keyed by session id (for admin screens and jobs). */
  static async activeSessions(
    authenticatableId: AuthenticatableId,
    options?: SessionOptions
  ): Promise<Record<string, ActiveSession>> {
    return listActive(contextFor(options), normalizeAuthenticatableId(authenticatableId))
  }

  /** Signs an authenticatable out everywhere, in one engine call where the engine allows. */
  static async logOutAll(authenticatableId: AuthenticatableId, options?: SessionOptions): Promise<void> {
    const { config, store } = contextFor(options)
    await store.removeAll(categoryOf(config, normalizeAuthenticatableId(authenticatableId)))
  }

  /**
   * Reads the token from the request (a Bearer `Authorization` header, else the session cookie) and
   * loads its session. `injectSession()` calls it; call it yourself only on a session you constructed.
   */
  async prepare(): Promise<void> {
    await this.#load()
  }

  static {
    loadSession = (session) => session.#load()
  }

  #load(): MaybePromise<void> {
    const carried = this.#carriedToken()
    if (!carried) return
    const hash = hashToken(carried.token, this.#context.config.hashKey)
    return andThen(this.#context.store.find(hash), (stored) => stored && this.#resume(carried, hash, stored))
  }

  #resume(carried: CarriedToken, hash: string, stored: StoredSession): MaybePromise<void> {
    const { config, store } = this.#context
    const now = Date.now()
    const category = categoryOf(config, stored.userId)
    if (!isLive(stored, now, config)) return store.remove(hash, category)
    const renew = isDueForRenewal(stored, now, config)
    if (!renew && !config.trackSessionAccess) {
      this.#adopt(carried.token, hash, stored)
      this.lastAccessed = new Date(now)
      this.#lastIp = UNREAD_IP
      return
    }
    const lastIp = this.#request.ip ?? null
    const expiresAt = renew ? expiryFrom(now, stored.firstAccessed, config) : stored.expiresAt
    const updated = { ...stored, lastAccessed: now, lastIp, expiresAt }
    // update() only rewrites a live entry: a logOut that lands between our read and this write wins.
    return andThen(store.update(hash, category, updated), (applied) => {
      if (!applied) return
      this.#adopt(carried.token, hash, updated)
      if (renew && carried.viaCookie) {
        writeSessionCookie(this.#request, this.#response, config.cookie, carried.token, expiresAt, now)
      }
    })
  }

  /**
   * Starts a new session for `authenticatableId`: a new token, sent back as the session cookie and as an
   * `Authorization: bearer <token>` response header. A session the request came with is disposed first,
   * so a planted token never becomes a logged-in one (session fixation).
   */
  async logIn(authenticatableId: AuthenticatableId): Promise<void> {
    const userId = normalizeAuthenticatableId(authenticatableId)
    const { config, store } = this.#context
    if (this.#hash && this.#stored) await store.remove(this.#hash, categoryOf(config, this.#stored.userId))
    const now = Date.now()
    const ip = this.#request.ip ?? null
    const userAgent = this.#request.headers['user-agent']
    const stored: StoredSession = {
      id: generateSessionId(),
      userId,
      firstAccessed: now,
      lastAccessed: now,
      firstIp: ip,
      lastIp: ip,
      userAgent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT_LENGTH),
      deviceId: null,
      expiresAt: expiryFrom(now, now, config)
    }
    const token = generateToken()
    const hash = hashToken(token, config.hashKey)
    await store.create(hash, categoryOf(config, userId), stored)
    this.#adopt(token, hash, stored)
    this.#response.setHeader('Authorization', `bearer ${token}`)
    writeSessionCookie(this.#request, this.#response, config.cookie, token, stored.expiresAt, now)
  }

  /**
   * Without an argument: ends this session, expires its cookie and resets this object. With a session
   * id or a token: ends that session, only if it belongs to the same authenticatable. Resolves whether
   * a session was ended.
   */
  async logOut(tokenOrSessionId?: string): Promise<boolean> {
    const { config, store } = this.#context
    const own = tokenOrSessionId === undefined || tokenOrSessionId === this.id || tokenOrSessionId === this.token
    if (own) {
      const ended = this.#hash !== undefined && this.#stored !== undefined
      if (ended) await store.remove(this.#hash!, categoryOf(config, this.#stored!.userId))
      if (ended || tokenOrSessionId === undefined)
        clearSessionCookie(this.#request, this.#response, config.cookie, Date.now())
      this.#reset()
      return ended
    }
    if (!this.#stored || typeof tokenOrSessionId !== 'string') return false
    const category = categoryOf(config, this.#stored.userId)
    const byId = (await store.list(category)).find(([, stored]) => stored.id === tokenOrSessionId)
    if (byId) {
      await store.remove(byId[0], category)
      return true
    }
    const token = parseToken(tokenOrSessionId)
    if (!token) return false
    const hash = hashToken(token, config.hashKey)
    const stored = await store.find(hash)
    if (!stored || stored.userId !== this.#stored.userId) return false
    await store.remove(hash, category)
    return true
  }

  /** Ends every other session of this authenticatable, keeping this one. */
  async logOutOthers(): Promise<void> {
    if (!this.#hash || !this.#stored) return
    await this.#context.store.removeAll(categoryOf(this.#context.config, this.#stored.userId), this.#hash)
  }

  /** All live sessions of this authenticatable, keyed by session id, this one marked `current`. */
  async activeSessions(): Promise<Record<string, ActiveSession>> {
    if (!this.#stored) return {}
    const active = await listActive(this.#context, this.#stored.userId, this.#hash)
    const current = this.id === null ? undefined : active[this.id]
    if (current && this.lastAccessed) {
      current.lastAccessed = this.lastAccessed
      current.lastIp = this.lastIp
    }
    return active
  }

  /** Records a device id on this session. Resolves whether the session still existed to record it on. */
  async updateDeviceId(deviceId: string): Promise<boolean> {
    if (typeof deviceId !== 'string' || deviceId.length > MAX_DEVICE_ID_LENGTH) {
      throw new TypeError(
        `express-session-registry: deviceId must be a string of at most ${MAX_DEVICE_ID_LENGTH} characters`
      )
    }
    if (!this.#hash || !this.#stored) return false
    const updated = { ...this.#stored, deviceId }
    if (!(await this.#context.store.update(this.#hash, categoryOf(this.#context.config, updated.userId), updated))) {
      this.#reset()
      return false
    }
    this.#stored = updated
    this.deviceId = deviceId
    return true
  }

  /** The session's public facts, without the token. */
  toJSON(): SessionFacts {
    return {
      authenticated: this.authenticated,
      id: this.id,
      authenticatableId: this.authenticatableId,
      userId: this.authenticatableId,
      firstAccessed: this.firstAccessed,
      lastAccessed: this.lastAccessed,
      firstIp: this.firstIp,
      lastIp: this.lastIp,
      userAgent: this.userAgent,
      deviceId: this.deviceId,
      expiresAt: this.expiresAt
    }
  }

  /** Keeps the token out of `console.log` and logger output. */
  [inspect.custom](): string {
    return `Session ${inspect({ ...this.toJSON(), token: this.token === null ? null : '[redacted]' })}`
  }

  #carriedToken(): CarriedToken | undefined {
    const request = this.#request
    const fromHeader = tokenFromAuthorization(request.headers.authorization)
    if (fromHeader !== undefined) return fromHeader === null ? undefined : { token: fromHeader, viaCookie: false }
    const token = parseToken(readSessionCookie(request, this.#context.config.cookie.name))
    if (!token || isForgeryRisk(request, this.#context.config)) return undefined
    return { token, viaCookie: true }
  }

  #adopt(token: string, hash: string, stored: StoredSession): void {
    this.#hash = hash
    this.#stored = stored
    this.authenticated = true
    this.token = token
    this.id = stored.id
    this.authenticatableId = stored.userId
    this.firstAccessed = new Date(stored.firstAccessed)
    this.lastAccessed = new Date(stored.lastAccessed)
    this.firstIp = stored.firstIp
    this.lastIp = stored.lastIp
    this.userAgent = stored.userAgent
    this.deviceId = stored.deviceId
    this.expiresAt = stored.expiresAt === null ? null : new Date(stored.expiresAt)
  }

  #reset(): void {
    this.#hash = undefined
    this.#stored = undefined
    this.authenticated = false
    this.token = null
    this.id = null
    this.authenticatableId = null
    this.firstAccessed = null
    this.lastAccessed = null
    this.firstIp = null
    this.lastIp = null
    this.userAgent = null
    this.deviceId = null
    this.expiresAt = null
  }
}
