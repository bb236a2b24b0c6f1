import type { Request, Response } from 'express'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SessionContext } from '../context'
import { SessionEngineError } from '../errors'
import type { StoredSession } from '../record'
import type { Session } from '../Session'

/**
 * What a session knows beyond its public facts: where it came from, and the engine entry it stands for.
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
  /** `Session#lastIp`, or {@link UNREAD_IP} until it is asked for. */
  lastIp: string | null | typeof UNREAD_IP
}

/** Marks a request IP not read yet: Express computes `request.ip` anew on every access (proxy trust rules). */
export const UNREAD_IP = Symbol('unread ip')

/** The state of a new session of `request`; Express's request type is kept, its extras are optional in use. */
export function stateOf(
  request: IncomingMessage,
  response: ServerResponse | undefined,
  context: SessionContext
): SessionState {
  return {
    request: request as Request,
    response: response as Response | undefined,
    context,
    hash: undefined,
    stored: undefined,
    token: null,
    lastIp: null
  }
}

/** The client's address: Express's `request.ip` (which honours `trust proxy`), else the socket's. */
export function clientIp(request: Request): string | null {
  return request.ip ?? request.socket?.remoteAddress ?? null
}

/** Makes `session` stand for a stored session. */
export function adopt(session: Session, state: SessionState, token: string, hash: string, stored: StoredSession): void {
  state.hash = hash
  state.stored = stored
  session.authenticated = true
  state.token = token
  session.id = stored.id
  session.authenticatableId = stored.userId
  session.firstAccessed = new Date(stored.firstAccessed)
  session.lastAccessed = new Date(stored.lastAccessed)
  session.firstIp = stored.firstIp
  session.lastIp = stored.lastIp
  session.userAgent = stored.userAgent
  session.deviceId = stored.deviceId
  session.expiresAt = stored.expiresAt === null ? null : new Date(stored.expiresAt)
}

/** Makes `session` an unauthenticated one. */
export function reset(session: Session, state: SessionState): void {
  state.hash = undefined
  state.stored = undefined
  session.authenticated = false
  state.token = null
  session.id = null
  session.authenticatableId = null
  session.firstAccessed = null
  session.lastAccessed = null
  session.firstIp = null
  session.lastIp = null
  session.userAgent = null
  session.deviceId = null
  session.expiresAt = null
}

/** Tells the `engineError` listeners of an engine failure on the way to the caller. */
export function reportEngineError(context: SessionContext, error: unknown, request?: IncomingMessage): void {
  if (error instanceof SessionEngineError) context.events.emit('engineError', { error, request })
}
