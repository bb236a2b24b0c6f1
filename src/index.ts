import './augment'

export { session, injectSession, authenticateRequest } from './middleware'
export { Session, type ActiveSession, type AuthenticatableId, type SessionFacts } from './Session'
export { MemoryEngine, type MemoryEngineOptions } from './engines/MemoryEngine'
export type { Engine, EngineSubject, SessionEngine } from './engine'
export type { SessionOptions, SameSite } from './options'
export { SessionError, SessionEngineError } from './errors'
export { DEFAULT_IDLE_TIMEOUT_MS } from './options'
