import type { IncomingMessage, ServerResponse } from 'node:http'
import { inspect } from 'node:util'
import { contextFor } from '../context'
import type { MaybePromise } from '../maybe'
import type { SessionOptions } from '../options'
import type { SessionData, SessionDataPatch } from './data'
import {
  dataOf,
  listActive,
  normalizeAuthenticatableId,
  type ActiveSession,
  type AuthenticatableId,
  type SessionFacts
} from './facts'
import { load } from './load'
import * as operations from './operations'
import { dateOf, lastIpOf, newState, reportEngineError, type SessionState } from './state'
import { tokenLayer } from './tokenLayer'

export type { ActiveSession, AuthenticatableId, SessionFacts } from './facts'
export type { LogInOptions } from './operations'

/**
 * The internal question "does this session accept Bearer tokens?": a guard's 401 then names the scheme
 * (RFC 6750). Keyed by a symbol the package does not export, so it is no part of the public API.
 */
export const acceptsBearer: unique symbol = Symbol('acceptsBearer')

// The state sessionOf() hands to the constructor it calls: set and taken back in the same synchronous
// call, so a constructor called by app code never sees one.
let handedState: SessionState | undefined

/** The session that reads `state`: how the middleware builds `request.session` from its own context. */
export function sessionOf(state: SessionState): Session {
  handedState = state
  try {
    return new Session(state.request)
  } finally {
    handedState = undefined
  }
}

/**
 * The session of one request, at `request.session`. Unauthenticated until a valid token came with the
 * request or `logIn()` was called.
 */
export class Session {
  /**
   * Builds the (still unloaded) session of a request; `injectSession()` builds and loads it for you. The
   * request may be a raw Node request; without a response (a WebSocket upgrade) the session cannot log in.
   */
  constructor(request: IncomingMessage, response?: ServerResponse, options?: SessionOptions) {
    const handed = handedState
    handedState = undefined
    // Not looked up by options object when sessionOf() hands a state in with its own context.
    this.#state = handed ?? newState(request, response, contextFor(options))
  }

  // Private: the Session itself has getters only, so no app code can write a fact or reach the token.
  readonly #state: SessionState

  /** Whether the request carries a live session. */
  get authenticated(): boolean {
    return this.#state.authenticated
  }
  /** The session id: stable for the session's life, not the token, safe to show and to log. */
  get id(): string | null {
    return this.#state.id
  }
  /** Who is logged in, as given to `logIn()` (as a string). */
  get authenticatableId(): string | null {
    return this.#state.authenticatableId
  }
  /** When the session was created at log in. */
  get firstAccessed(): Date | null {
    return dateOf(this.#state.firstAccessed)
  }
  /** This request's time. */
  get lastAccessed(): Date | null {
    return dateOf(this.#state.lastAccessed)
  }
  /** The IP of the log in request. */
  get firstIp(): string | null {
    return this.#state.firstIp
  }
  /** This request's IP (`request.ip`), read from the request only when asked for. */
  get lastIp(): string | null {
    return lastIpOf(this.#state)
  }
  /** The user agent of the log in request. */
  get userAgent(): string | null {
    return this.#state.userAgent
  }
  /** A device id recorded with `updateDeviceId()`. */
  get deviceId(): string | null {
    return this.#state.deviceId
  }
  /** When the session ends unless renewed; `null` when no timeout applies. */
  get expiresAt(): Date | null {
    return dateOf(this.#state.expiresAt)
  }

  /**
   * The raw token of this request's session. Never stored; a getter over private state, out of sight of
   * every listing, so spreading, `Object.entries`, `structuredClone`, `JSON.stringify` and `inspect` (with
   * `showHidden` and `getters` too) never copy it.
   */
  declare readonly token: string | null

  static {
    Object.setPrototypeOf(
      Session.prototype,
      tokenLayer((session: Session) => session.#state.token)
    )
  }

  /** @internal Whether the middleware that made this session reads Bearer tokens. */
  [acceptsBearer](): boolean {
    return this.#state.context.config.transports.bearer
  }

  /** Alias of {@link authenticatableId} (the newer upstream name). */
  get userId(): string | null {
    return this.authenticatableId
  }

  /** @deprecated Alias of {@link authenticatableId}, as the original README spells it. */
  get authenticatableID(): string | null {
    return this.authenticatableId
  }

  /** This session's data, read-only (change it with {@link updateData}); `{}` without a session. */
  get data(): Readonly<SessionData> {
    return dataOf(this.#state.stored)
  }

  /** All live sessions of an authenticatable, keyed by session id (for admin screens and jobs). */
  static async activeSessions(
    authenticatableId: AuthenticatableId,
    options?: SessionOptions
  ): Promise<Record<string, ActiveSession>> {
    const context = contextFor(options)
    return reporting(context, listActive(context, normalizeAuthenticatableId(authenticatableId)))
  }

  /**
   * Ends one session of an authenticatable, by its session id (an admin's "sign out this device"), with
   * its rotated-out tokens; emits `'revoke'`. Resolves whether a live session of theirs had that id.
   */
  static async logOutSession(
    authenticatableId: AuthenticatableId,
    sessionId: string,
    options?: SessionOptions
  ): Promise<boolean> {
    const context = contextFor(options)
    const userId = normalizeAuthenticatableId(authenticatableId)
    return reporting(context, operations.logOutSessionOf(context, userId, sessionId))
  }

  /** Signs an authenticatable out everywhere, in one engine call where the engine allows. */
  static async logOutAll(authenticatableId: AuthenticatableId, options?: SessionOptions): Promise<void> {
    const context = contextFor(options)
    await reporting(context, operations.removeAllOf(context, normalizeAuthenticatableId(authenticatableId)))
  }

  /**
   * Signs every user of this registry out: every session whose category is this registry's (its
   * `registryId`), so registries sharing an engine keep theirs. Meant for an incident or a key change,
   * not a request path: the engine may take time in proportion to its entries. Throws a
   * {@link SessionError} (`ESR_ENGINE_UNSUPPORTED`) on an engine without `deleteByCategoryPrefix`. No
   * `'revoke'` event: the sessions are not listed first.
   */
  static async logOutEveryone(options?: SessionOptions): Promise<void> {
    const context = contextFor(options)
    const { store, config } = context
    await reporting(context, store.removeByCategoryPrefix(config.categoryPrefix))
    await reporting(context, store.removeByCategoryPrefix(config.rotatedCategoryPrefix))
  }

  /**
   * Reads the token from the request (a Bearer `Authorization` header, else the session cookie) and
   * loads its session. `injectSession()` calls it; call it yourself only on a session you constructed.
   */
  async prepare(): Promise<void> {
    await reportingIn(this.#state, load(this.#state))
  }

  /**
   * Starts a new session for `authenticatableId`, with `options.data` as its data: a new token, sent
   * back as the session cookie and as an `Authorization: bearer <token>` response header. A session the
   * request came with is disposed first, so a planted token never becomes a logged-in one (session
   * fixation). Throws a {@link SessionError} on a session read without a response.
   */
  async logIn(authenticatableId: AuthenticatableId, options?: operations.LogInOptions): Promise<void> {
    await reportingIn(this.#state, operations.logIn(this.#state, authenticatableId, options))
  }

  /**
   * Without an argument: ends this session, expires its cookie and resets this object. With a session
   * id or a token: ends that session, only if it belongs to the same authenticatable. Resolves whether
   * a session was ended.
   */
  async logOut(tokenOrSessionId?: string): Promise<boolean> {
    return reportingIn(this.#state, operations.logOut(this.#state, tokenOrSessionId))
  }

  /**
   * Replaces this session's token by a new one and sends it the way the old one came (the cookie, or an
   * `Authorization` response header for a Bearer client), keeping the session's id, data and facts: call
   * it on a privilege change. The old token still works for `rotationGrace`, then its use ends the
   * session (`'tokenReuse'`). Resolves whether there was a session to rotate. Throws a
   * {@link SessionError} on a session read without a response or once the response is sent.
   */
  async rotate(): Promise<boolean> {
    return reportingIn(this.#state, operations.rotate(this.#state))
  }

  /** Ends every other session of this authenticatable, keeping this one. */
  async logOutOthers(): Promise<void> {
    await reportingIn(this.#state, operations.logOutOthers(this.#state))
  }

  /** All live sessions of this authenticatable, keyed by session id, this one marked `current`. */
  async activeSessions(): Promise<Record<string, ActiveSession>> {
    return reportingIn(this.#state, operations.activeSessions(this.#state))
  }

  /**
   * Records a device id on this session, writing that field alone. Resolves whether the session still
   * existed to record it on. Throws a `TypeError` for a device id over 256 characters or with a lone surrogate.
   */
  async updateDeviceId(deviceId: string): Promise<boolean> {
    return reportingIn(this.#state, operations.updateDeviceId(this.#state, deviceId))
  }

  /**
   * Merges `patch` into this session's data as stored (a key set to `undefined` is removed), written by
   * a compare-and-set on the entry's version and retried on a fresh read, so no concurrent write is
   * undone; only if the session is still live: a concurrent `logOut()` wins. Resolves whether it was
   * applied (`false` without a session). Throws a `TypeError` naming the path for data no engine keeps
   * exactly (not JSON, a `__proto__`, `constructor` or `prototype` key, a lone surrogate, deeper than 64
   * levels) or over `maxDataBytes` serialized.
   */
  async updateData(patch: SessionDataPatch): Promise<boolean> {
    return reportingIn(this.#state, operations.updateData(this.#state, patch))
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
      expiresAt: this.expiresAt,
      data: this.data
    }
  }

  /** Keeps the token out of `console.log` and logger output. */
  [inspect.custom](): string {
    return `Session ${inspect({ ...this.toJSON(), token: this.token === null ? null : '[redacted]' })}`
  }
}

/** Awaits `work` of `session`, telling its `engineError` listeners of an engine failure. */
function reportingIn<T>(state: SessionState, work: MaybePromise<T>): Promise<T> {
  return reporting(state.context, work, state.request)
}

/** Awaits `work`, telling the `engineError` listeners of an engine failure before it reaches the caller. */
async function reporting<T>(
  context: SessionState['context'],
  work: MaybePromise<T>,
  request?: IncomingMessage
): Promise<T> {
  try {
    return await work
  } catch (error) {
    reportEngineError(context, error, request)
    throw error
  }
}
