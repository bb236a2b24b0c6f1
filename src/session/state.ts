import type { Request, Response } from 'express'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SessionContext } from '../context'
import { SessionEngineError } from '../errors'
import type { Transport } from '../options'
import type { StoredSession } from '../record'

/**
 * Everything a session is: its public facts, where it came from, and the engine entry it stands for.
 * The `Session` object only reads it; `adopt()`, `reset()` and the operations are the only writers.
 * The request may be a raw Node request (socket.io, a plain `http` server), with none of Express's
 * additions; the response is absent for a WebSocket upgrade read with `readSession()`.
 */
export interface SessionState {
  readonly request: Request
  readonly response: Response | undefined
  readonly context: SessionContext
  hash: string | undefined
  stored: StoredSession | undefined
  /** The raw token; kept here, off the session object, so copies of `request.session` never hold it. */
  token: string | null
  /** What carried the token to this request; `undefined` for a session logged in during it. */
  carrier: Transport | undefined
  authenticated: boolean
  id: string | null
  authenticatableId: string | null
  /** Milliseconds since the epoch: `Session` builds its `Date`s only when they are read. */
  firstAccessed: number | null
  /** This request's time, in milliseconds since the epoch. */
  lastAccessed: number | null
  firstIp: string | null
  /** `Session#lastIp`, or {@link UNREAD_IP} until it is asked for. */
  lastIp: string | null | typeof UNREAD_IP
  userAgent: string | null
  deviceId: string | null
  /** Milliseconds since the epoch; `null` when no timeout applies. */
  expiresAt: number | null
}

/** Marks a request IP not read yet: Express computes `request.ip` anew on every access (proxy trust rules). */
export const UNREAD_IP = Symbol('unread ip')

/** The state of a new, unauthenticated session of `request`, served by `context`. */
export function newState(
  request: IncomingMessage,
  response: ServerResponse | undefined,
  context: SessionContext
): SessionState {
  return {
    // Express's request type is kept; its extras are optional in use.
    request: request as Request,
    response: response as Response | undefined,
    context,
    hash: undefined,
    stored: undefined,
    token: null,
    carrier: undefined,
    authenticated: false,
    id: null,
    authenticatableId: null,
    firstAccessed: null,
    lastAccessed: null,
    firstIp: null,
    lastIp: null,
    userAgent: null,
    deviceId: null,
    expiresAt: null
  }
}

/** The client's address: Express's `request.ip` (which honours `trust proxy`), else the socket's. */
export function clientIp(request: Request): string | null {
  return request.ip ?? request.socket?.remoteAddress ?? null
}

/** This request's IP, read from the request the first time it is asked for. */
export function lastIpOf(state: SessionState): string | null {
  if (state.lastIp === UNREAD_IP) state.lastIp = clientIp(state.request)
  return state.lastIp
}

/** Makes the state stand for a stored session. */
export function adopt(state: SessionState, token: string, hash: string, stored: StoredSession): void {
  state.hash = hash
  state.stored = stored
  state.token = token
  state.authenticated = true
  state.id = stored.id
  state.authenticatableId = stored.userId
  state.firstAccessed = stored.firstAccessed
  state.lastAccessed = stored.lastAccessed
  state.firstIp = stored.firstIp
  state.lastIp = stored.lastIp
  state.userAgent = stored.userAgent
  state.deviceId = stored.deviceId
  state.expiresAt = stored.expiresAt
}

/** A stored time as a `Date`: a new one at each read, so no caller can move the session's own. */
export function dateOf(time: number | null): Date | null {
  return time === null ? null : new Date(time)
}

/** Makes the state an unauthenticated one. */
export function reset(state: SessionState): void {
  state.hash = undefined
  state.stored = undefined
  state.token = null
  state.carrier = undefined
  state.authenticated = false
  state.id = null
  state.authenticatableId = null
  state.firstAccessed = null
  state.lastAccessed = null
  state.firstIp = null
  state.lastIp = null
  state.userAgent = null
  state.deviceId = null
  state.expiresAt = null
}

/** Tells the `engineError` listeners of an engine failure on the way to the caller. */
export function reportEngineError(context: SessionContext, error: unknown, request?: IncomingMessage): void {
  if (error instanceof SessionEngineError) context.events.emit('engineError', { error, request })
}
