import { resolveEngine } from './resolveEngine'
import { SessionEvents } from './events'
import { resolveOptions, type SessionConfig, type SessionOptions } from './options'
import { SessionStore } from './store'
import { observeSessions } from './telemetry'

/** Validated options and the store they resolve to: built once per middleware. */
export interface SessionContext {
  readonly config: SessionConfig
  readonly store: SessionStore
  /** The listeners added with `middleware.on()`: static calls with the same options object reach them too. */
  readonly events: SessionEvents
}

const contexts = new WeakMap<object, SessionContext>()
let defaultContext: SessionContext | undefined

/** Builds a new context (validating the options) and remembers it for that options object. */
export function createContext(options: SessionOptions): SessionContext {
  const config = resolveOptions(options)
  // A named engine is this context's own, except the process-wide memory engine.
  const owned = typeof config.engine === 'string' && !(config.engine === 'memory' && config.engineOptions === undefined)
  const store = new SessionStore(resolveEngine(config.engine, config.engineOptions), {
    owned,
    timeoutMs: config.engineTimeoutMs
  })
  const context = { config, store, events: new SessionEvents() }
  observeSessions(context.events)
  contexts.set(options, context)
  return context
}

/**
 * The context for an options object: the one `session()` built for that very object, or a new one kept
 * for it, so `injectSession(req, res, options)` on every request still connects an engine only once.
 */
export function contextFor(options: SessionOptions | undefined): SessionContext {
  if (options === undefined) return (defaultContext ??= createContext({}))
  return contexts.get(options) ?? createContext(options)
}
