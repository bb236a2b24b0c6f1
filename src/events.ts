import type { IncomingMessage } from 'node:http'
import { inputError, type SessionEngineError } from './errors'

/** Why the cross-site rule judged a request cross-site (see `csrf.ts`). */
export type CrossSiteReason =
  /** `Sec-Fetch-Site: cross-site`. */
  | 'cross-site'
  /** `Sec-Fetch-Site: same-site`: a sibling subdomain is another origin. */
  | 'same-site'
  /** An `Origin` of another host. */
  | 'foreign-origin'
  /** No `Origin`, a `Referer` of another host. */
  | 'foreign-referer'
  /** Strict mode: the same host under another scheme (an `http://` page, an `https://` app). */
  | 'scheme-mismatch'
  /** Strict mode: none of `Sec-Fetch-Site`, `Origin`, `Referer`. */
  | 'no-origin-headers'

/**
 * What every session event tells: which session, whose, and the request where there is one. Never a
 * token: in every event `request` is readable but not enumerable, so logging the event skips its headers.
 */
export interface SessionEvent {
  /** The session id (not the token). */
  sessionId: string
  /** The authenticatable the session belongs to. */
  userId: string
  /** The request that caused the event; absent for static calls such as `Session.logOutAll()`. */
  request?: IncomingMessage
}

/** Sessions ended from elsewhere: `logOut(id)`, `logOutOthers()`, `Session.logOutAll()`, the per-user cap. */
export interface RevokeEvent {
  /** The ids of the sessions that ended. */
  sessionIds: string[]
  /** The authenticatable they belonged to. */
  userId: string
  /** The request that caused the event; absent for static calls. */
  request?: IncomingMessage
}

/** A session's expiry pushed forward by its use. */
export interface RenewEvent extends SessionEvent {
  /** The new expiry; `null` when no timeout applies. */
  expiresAt: Date | null
}

/** An engine call failed while serving a request or a static call. */
export interface EngineErrorEvent {
  /** The failure, as it also reaches the app (`next(err)` or a rejection). */
  error: SessionEngineError
  /** The request being served, where there is one. */
  request?: IncomingMessage
}

/** A request came with a token that stands for no session: malformed, or unknown to the engine. */
export interface InvalidTokenEvent {
  /** `'malformed'`: not a token this library could have issued; `'unknown'`: no live entry under it. */
  reason: 'malformed' | 'unknown'
  /** Where the token came: the session cookie or a Bearer `Authorization` header. */
  transport: 'cookie' | 'bearer'
  /** The client's address (`request.ip`, which honours `trust proxy`). */
  ip: string | null
  /** The request. */
  request: IncomingMessage
}

/** A request came with the token of a session that has ended by a timeout; the entry is removed. */
export interface ExpiredEvent extends SessionEvent {
  /** Which deadline passed. */
  timeout: 'idle' | 'absolute'
}

/**
 * The cross-site rule judged a request cross-site while a session cookie came with it or a log in was
 * answered to it. Carries the reason and the origin named (scheme, host and port), never a header.
 */
export interface CrossSiteRefusedEvent {
  /** Why the request was judged cross-site. */
  reason: CrossSiteReason
  /** `'session'`: the cookie's session was not honoured; `'logIn'`: the log in was refused. */
  action: 'session' | 'logIn'
  /** `true` in report-only mode: nothing was refused. */
  reportOnly: boolean
  /** The origin the request named in `Origin` or `Referer`, `null` when none. */
  origin: string | null
  /** The request's method. */
  method: string
  /** The client's address. */
  ip: string | null
  /** The request. */
  request: IncomingMessage
}

/** A session's token was replaced by a new one; the session's id, data and facts stay. */
export interface RotateEvent extends SessionEvent {
  /** `'age'`: the token was older than `rotateAfter`; `'requested'`: `request.session.rotate()`. */
  reason: 'age' | 'requested'
}

/**
 * A token rotated out of its session came back after its grace: either its owner or someone who stole
 * it still holds it. The whole session has been ended.
 */
export interface TokenReuseEvent extends SessionEvent {
  /** The client's address (`request.ip`, which honours `trust proxy`). */
  ip: string | null
  /** The request that came with the token. */
  request: IncomingMessage
}

/** The events of a `session()` middleware and their payloads. */
export interface SessionEventMap {
  /** A session started (`logIn()`). */
  logIn: SessionEvent
  /** The request's own session ended (`logOut()`). */
  logOut: SessionEvent
  /** Other sessions ended. */
  revoke: RevokeEvent
  /** A session's expiry was pushed forward. */
  renew: RenewEvent
  /** An engine call failed. */
  engineError: EngineErrorEvent
  /** A malformed or unknown token came with a request. */
  invalidToken: InvalidTokenEvent
  /** A request came with an expired session's token. */
  expired: ExpiredEvent
  /** The cross-site rule refused (or, report-only, would refuse) a cookie session or a log in. */
  crossSiteRefused: CrossSiteRefusedEvent
  /** A session's token was rotated (`rotateAfter`, `rotate()`). */
  rotate: RotateEvent
  /** A rotated-out token came back after its grace; its session was ended. */
  tokenReuse: TokenReuseEvent
}

/** A listener of one event; a rejection or a throw is reported with `process.emitWarning`, never to the request. */
export type SessionListener<E extends keyof SessionEventMap> = (event: SessionEventMap[E]) => void | Promise<void>

/**
 * The listeners of one middleware. Listeners run after the fact, in the order added; they cannot fail
 * the request that caused the event.
 */
export class SessionEvents {
  readonly #listeners = new Map<keyof SessionEventMap, Array<(event: never) => void | Promise<void>>>()

  /** Adds a listener. */
  on<E extends keyof SessionEventMap>(event: E, listener: SessionListener<E>): void {
    if (typeof listener !== 'function') throw inputError(`a '${event}' listener must be a function`)
    const listeners = this.#listeners.get(event) ?? []
    listeners.push(listener)
    this.#listeners.set(event, listeners)
  }

  /** Whether anyone listens to `event` (to skip work done only for listeners). */
  has(event: keyof SessionEventMap): boolean {
    return this.#listeners.has(event)
  }

  /**
   * Calls the listeners of `event`; a failing one is reported as a process warning. The payload's
   * `request` is made non-enumerable first (see `hideRequest`).
   */
  emit<E extends keyof SessionEventMap>(event: E, payload: SessionEventMap[E]): void {
    const listeners = this.#listeners.get(event)
    if (listeners === undefined) return
    hideRequest(payload)
    for (const listener of listeners) {
      try {
        const result = (listener as SessionListener<E>)(payload)
        if (result && typeof result.then === 'function') result.then(undefined, (error) => warn(event, error))
      } catch (error) {
        warn(event, error)
      }
    }
  }
}

/**
 * Keeps an event's `request` readable (`event.request`, destructuring) but out of what a logger prints:
 * its headers hold the session token (`Cookie`, `Authorization`), and `JSON.stringify`, `util.inspect`,
 * `console.log`, spread and loggers that walk own enumerable keys all skip a non-enumerable property.
 */
function hideRequest(payload: object): void {
  if (Object.hasOwn(payload, 'request')) Object.defineProperty(payload, 'request', { enumerable: false })
}

function warn(event: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.emitWarning(`a '${event}' listener failed: ${message}`, {
    type: 'SessionListenerWarning',
    code: 'ESR_LISTENER',
    detail: error instanceof Error ? error.stack : undefined
  })
}
