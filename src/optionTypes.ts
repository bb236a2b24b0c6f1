import type { Engine } from './engine'

// The public shape of the options, apart from how they are resolved (options.ts).

/** The `SameSite` cookie attribute. */
export type SameSite = 'lax' | 'strict' | 'none'

/** A carrier of the token: the session cookie, or an `Authorization: Bearer` header. */
export type Transport = 'cookie' | 'bearer'

/**
 * The modes of the cross-site rule: `true` (refuse what a browser marks or shows as cross-site),
 * `'strict'` (also refuse an unsafe request with none of `Sec-Fetch-Site`, `Origin`, `Referer`, and
 * compare the scheme), `'report-only'` (judge as `'strict'` does, emit `'crossSiteRefused'`, refuse
 * nothing), `false` (off).
 */
export type CsrfProtection = boolean | 'strict' | 'report-only'

/** The carriers of the token a registry reads and writes. */
export interface TransportConfig {
  readonly cookie: boolean
  readonly bearer: boolean
}

/** Options of `session()`, `injectSession()` and the static `Session` methods. */
export interface SessionOptions {
  /**
   * Where sessions are kept: an engine object (any `@universal-packages/token-registry` engine works), or
   * a name: `'memory'` (one process-wide {@link MemoryEngine}), `'redis'` or `'postgres'` (a `RedisEngine`
   * or `PostgresEngine` built from `engineOptions`, connected once per middleware), or any name the token
   * registry resolves.
   * @default 'memory'
   */
  engine?: string | Engine
  /** Options for an engine given by name. */
  engineOptions?: Record<string, unknown>
  /**
   * Namespaces the registry: tokens are stored as HMAC-SHA-256(registryId, token) instead of
   * SHA-256(token), so registries sharing one engine never see each other's sessions.
   */
  registryId?: string
  /** The token registry's name for {@link registryId}; `registryId` wins when both are given. */
  seed?: string
  /**
   * Name of the cookie that carries the token. The prefixes `__Secure-`, `__Host-`, `__Http-` and
   * `__Host-Http-` (in any case, as browsers match them) are checked: Secure, and no Domain and path `/`
   * for the host ones, HttpOnly for the Http ones. @default 'session'
   */
  cookieName?: string
  /** Writes last access time and IP to the engine on every authenticated request. @default false */
  trackSessionAccess?: boolean
  /** `HttpOnly` cookie attribute: scripts cannot read the token. @default true */
  httpOnly?: boolean
  /** `Secure` cookie attribute; `'auto'` sets it when Express sees the request as HTTPS (`req.secure`). @default 'auto' */
  secure?: boolean | 'auto'
  /** `SameSite` cookie attribute; `'none'` requires `secure: true`. @default 'lax' */
  sameSite?: SameSite
  /** `Domain` cookie attribute. @default host-only */
  domain?: string
  /** `Path` cookie attribute. @default '/' */
  path?: string
  /** `Partitioned` cookie attribute (CHIPS); requires `secure: true`. @default false */
  partitioned?: boolean
  /** `Priority` cookie attribute. @default none */
  priority?: 'low' | 'medium' | 'high'
  /** Upstream name of {@link httpOnly}. */
  httpOnlyCookie?: boolean
  /** Upstream name of {@link secure}. */
  secureCookie?: boolean | 'auto'
  /** Upstream name of {@link sameSite}. */
  sameSiteCookie?: SameSite
  /**
   * Milliseconds of inactivity after which a session is gone; `false` for none. Use renews it, writing
   * at most once per {@link maxWriteInterval} (so a session lives between the idle timeout less that
   * interval and the whole of it after its last use).
   * @default 2_592_000_000 (30 days)
   */
  idleTimeout?: number | false
  /**
   * The longest, in milliseconds, that use of a session may go unwritten: the effective idle timeout is
   * within this of `idleTimeout`. Smaller is more exact and costs more writes: a busy session is written
   * at most once per interval (`0`: on every request). Less than `idleTimeout`.
   * @default half of idleTimeout
   */
  maxWriteInterval?: number
  /** Milliseconds after log in at which a session ends however active it is; `false` for none. @default false */
  absoluteTimeout?: number | false
  /**
   * Token rotation: a token older than this many milliseconds is replaced on the session's next request
   * (a new cookie, or for a Bearer client a new `Authorization` response header), keeping the session's
   * id, data and facts. A rotated-out token used after {@link rotationGrace} ends the whole session and
   * emits `'tokenReuse'`: a stolen token and its owner cannot both keep using it. `false`: only
   * `request.session.rotate()` rotates. @default false
   */
  rotateAfter?: number | false
  /**
   * Milliseconds a rotated-out token still stands for its session, so that requests already in flight
   * with it succeed; `0` for none. @default 10_000 (10 seconds)
   */
  rotationGrace?: number
  /**
   * Cross-site request forgery guard: a session carried by the cookie is not honoured on a POST, PUT,
   * PATCH or DELETE, a WebSocket upgrade or an engine.io request (socket.io's polling) whose
   * `Sec-Fetch-Site` is `cross-site` or `same-site`, or whose `Origin` (else `Referer`) is foreign, and a
   * log in answered to such a request is refused. `'strict'` also refuses one that carries none of the
   * three headers and compares the scheme; `'report-only'` judges as `'strict'` and only emits
   * `'crossSiteRefused'`. Bearer tokens are unaffected. @default true
   */
  csrfProtection?: CsrfProtection
  /**
   * Which carriers of the token are read and written: `'cookie'` (the session cookie) and `'bearer'` (an
   * `Authorization: Bearer` header, and the `Authorization` response header of `logIn()`). With
   * `['cookie']` no response carries the token outside `Set-Cookie`; with `['bearer']` no cookie is read
   * or set. @default ['cookie', 'bearer']
   */
  transports?: readonly Transport[]
  /**
   * Whether the cookie outlives the browser session (`Max-Age` following the session's expiry); `false`
   * sends a browser-session cookie. `logIn(id, { persistent })` chooses per log in ("remember me"). The
   * server-side timeouts hold either way. @default true
   */
  persistentCookie?: boolean
  /** Origins (`https://app.example.com`) besides the request's own whose unsafe requests may use the cookie. @default [] */
  trustedOrigins?: readonly string[]
  /** The largest session data, in bytes of its JSON; `updateData()` and `logIn()` refuse more with a `TypeError`. @default 4096 */
  maxDataBytes?: number
  /**
   * Most sessions one authenticatable may hold: a log in past it ends that user's least recently used
   * sessions (by the last access recorded), so one account cannot fill the store. @default 100
   */
  maxSessionsPerUser?: number
  /**
   * Milliseconds an engine call may take: past it the call fails with a `SessionEngineTimeoutError`
   * (a `SessionEngineError`, status 503) and the request goes to `next(err)`, so a hung store never
   * hangs a request. `0` or `Infinity` waits forever. The deadlines of all calls in flight share one
   * timer, so a call fails at most an eighth of this (and at most 250 ms) after it. @default 5000
   */
  engineTimeout?: number
}
