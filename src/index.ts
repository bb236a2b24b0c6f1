import './augment'

export {
  session,
  injectSession,
  readSession,
  authenticateRequest,
  requireSession,
  requireRecentLogin,
  RECENT_LOGIN_REQUIRED,
  type SessionMiddleware
} from './middleware'
export {
  Session,
  type ActiveSession,
  type AuthenticatableId,
  type LogInOptions,
  type SessionFacts
} from './session/Session'
export type { SessionData, SessionDataPatch } from './session/data'
export type {
  CrossSiteReason,
  CrossSiteRefusedEvent,
  EngineErrorEvent,
  ExpiredEvent,
  InvalidTokenEvent,
  RenewEvent,
  RevokeEvent,
  RotateEvent,
  SessionEvent,
  SessionEventMap,
  TokenReuseEvent,
  SessionListener
} from './events'
export { MemoryEngine, type MemoryEngineOptions } from './engines/memory/MemoryEngine'
export type { CacheStatistics, Engine, EngineSubject, SessionEngine } from './engine'
export type { CsrfProtection, SessionOptions, SameSite, Transport } from './options'
export type { TypeOptions } from './augment'
export { CrossSiteLogInError, SessionError, SessionEngineError, SessionEngineTimeoutError } from './errors'
export { DEFAULT_ENGINE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_DATA_BYTES } from './options'

/** The upstream name of {@link SessionOptions}, kept so migrating is an import-path change. */
export type { SessionOptions as ExpressSessionOptions } from './options'
/** The upstream name of a session as an engine stores it. */
export type { StoredSession as SessionRegistrySubject } from './record'
export { presets, type SessionPreset } from './presets'
