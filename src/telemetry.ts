import type * as OpenTelemetry from '@opentelemetry/api'
import { debugEnabled, debugLog } from './debug'
import type { SessionEvents } from './events'
import { isPending, type MaybePromise } from './maybe'

/** The name of this library's OpenTelemetry meter and tracer. */
export const INSTRUMENTATION_NAME = 'express-session-registry'

// An optional peer dependency: without it, and without the debug log, an engine call is the call alone.
const OPENTELEMETRY_API = '@opentelemetry/api'
// The API's enum values, which the specification fixes; typed as the members, so the compiler checks them.
const SPAN_KIND_CLIENT: OpenTelemetry.SpanKind.CLIENT = 2
const SPAN_STATUS_ERROR: OpenTelemetry.SpanStatusCode.ERROR = 2

interface Instruments {
  readonly duration: OpenTelemetry.Histogram
  readonly errors: OpenTelemetry.Counter
  readonly created: OpenTelemetry.Counter
  readonly ended: OpenTelemetry.Counter
}

let api: typeof OpenTelemetry | null | undefined
// The meter provider the instruments were made for, and the instruments (none for the no-op provider).
let instrumentedProvider: OpenTelemetry.MeterProvider | undefined
let instruments: Instruments | undefined
let noopTracerProvider: OpenTelemetry.TracerProvider | undefined

/** The hits and misses of an engine's cache: the contract's `CacheStatistics`, which this layer may not import. */
interface CacheStatistics {
  readonly hits: number
  readonly misses: number
}

/** What this module needs of an engine: the contract's optional `cacheStatistics()`. */
interface CacheStatisticsSource {
  cacheStatistics?(): CacheStatistics | undefined
}

/** An engine with a cache, held weakly, and the statistics it reported last. */
interface CachedEngine {
  readonly engine: WeakRef<CacheStatisticsSource>
  last: CacheStatistics
}

// The engines with a cache that the app's stores use; none kept alive by being here.
const cachedEngines: CachedEngine[] = []
const watchedEngines = new WeakSet<CacheStatisticsSource>()
let cacheEngineSeen = false
// What engines collected since reported last: added in, so the counters never go down.
const retired = { hits: 0, misses: 0 }

/** `@opentelemetry/api`, loaded on first use, once; `null` when it is not installed. */
function openTelemetry(): typeof OpenTelemetry | null {
  if (api === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require(OPENTELEMETRY_API) as typeof OpenTelemetry
    } catch {
      api = null
    }
  }
  return api
}

/**
 * The instruments of the app's meter provider, made again when the app registers one later; `undefined`
 * while the provider is the API's no-op one, whose instruments record nothing but still cost a call.
 */
function currentInstruments(otel: typeof OpenTelemetry): Instruments | undefined {
  const provider = otel.metrics.getMeterProvider()
  if (instrumentedProvider === provider) return instruments
  instrumentedProvider = provider
  const meter = provider.getMeter(INSTRUMENTATION_NAME)
  instruments =
    meter === otel.createNoopMeter()
      ? undefined
      : {
          duration: meter.createHistogram('express_session_registry.engine.duration', {
            description: 'Duration of session engine calls',
            unit: 's'
          }),
          errors: meter.createCounter('express_session_registry.engine.errors', {
            description: 'Session engine calls that failed'
          }),
          created: meter.createCounter('express_session_registry.sessions.created', {
            description: 'Sessions logged in'
          }),
          ended: meter.createCounter('express_session_registry.sessions.ended', {
            description: 'Sessions logged out or revoked'
          })
        }
  if (instruments !== undefined) observeCaches(meter)
  return instruments
}

/**
 * Registers the observable counters of the engines' caches on `meter`: read when the SDK collects,
 * never on a request. They report nothing while no engine with a cache has been prepared.
 */
function observeCaches(meter: OpenTelemetry.Meter): void {
  const hits = meter.createObservableCounter('express_session_registry.cache.hits', {
    description: "Session reads answered from an engine's in-process cache"
  })
  const misses = meter.createObservableCounter('express_session_registry.cache.misses', {
    description: 'Session reads that went to the store while the engine had its cache on'
  })
  meter.addBatchObservableCallback(
    (result) => {
      const totals = cacheTotals()
      if (totals === undefined) return
      result.observe(hits, totals.hits)
      result.observe(misses, totals.misses)
    },
    [hits, misses]
  )
}

/** The hits and misses of every cache engine seen, summed; `undefined` when none was ever seen. */
function cacheTotals(): CacheStatistics | undefined {
  if (!cacheEngineSeen) return undefined
  let hits = retired.hits
  let misses = retired.misses
  for (let index = cachedEngines.length - 1; index >= 0; index--) {
    const watched = cachedEngines[index]
    const engine = watched.engine.deref()
    if (engine === undefined) {
      retired.hits += watched.last.hits
      retired.misses += watched.last.misses
      cachedEngines.splice(index, 1)
    } else {
      watched.last = engine.cacheStatistics?.() ?? watched.last
    }
    hits += watched.last.hits
    misses += watched.last.misses
  }
  return { hits, misses }
}

/**
 * Counts the cache hits and misses of `engine` (a prepared engine with `cacheStatistics`) in
 * `express_session_registry.cache.hits` and `.misses`, once however many stores use it. The engine is
 * held weakly: one the app drops is forgotten, its last counts kept in the totals.
 */
export function observeEngineCache(engine: CacheStatisticsSource): void {
  if (watchedEngines.has(engine) || openTelemetry() === null) return
  const statistics = engine.cacheStatistics?.()
  if (statistics === undefined) return
  watchedEngines.add(engine)
  cacheEngineSeen = true
  cachedEngines.push({ engine: new WeakRef(engine), last: statistics })
}

/**
 * The tracer, when the app has registered a tracer provider; `undefined` while the API's proxy still
 * delegates to its no-op provider (a fresh proxy's delegate is that provider), whose spans cost ~2 µs
 * a request for nothing.
 */
function currentTracer(otel: typeof OpenTelemetry): OpenTelemetry.Tracer | undefined {
  noopTracerProvider ??= new otel.ProxyTracerProvider().getDelegate()
  const provider = otel.trace.getTracerProvider()
  const delegate = provider instanceof otel.ProxyTracerProvider ? provider.getDelegate() : provider
  return delegate === noopTracerProvider ? undefined : provider.getTracer(INSTRUMENTATION_NAME)
}

/**
 * Runs one engine call, `operation` naming it ("read the session"), and reports it: a span
 * `session engine <operation>`, its duration in the `express_session_registry.engine.duration` histogram,
 * a failure in `express_session_registry.engine.errors`, and a debug log line. At once when the call
 * answers at once.
 */
export function observeEngineCall<T>(operation: string, call: () => MaybePromise<T>): MaybePromise<T> {
  const otel = openTelemetry()
  const metered = otel === null ? undefined : currentInstruments(otel)
  const tracer = otel === null ? undefined : currentTracer(otel)
  if (metered === undefined && tracer === undefined && !debugEnabled) return call()
  const started = performance.now()
  const span = tracer?.startSpan(`session engine ${operation}`, {
    kind: SPAN_KIND_CLIENT,
    attributes: { 'session.engine.operation': operation }
  })
  const finish = (error?: unknown): void => {
    const seconds = (performance.now() - started) / 1_000
    const failure = error === undefined ? undefined : error instanceof Error ? error.message : String(error)
    if (metered !== undefined) {
      const attributes = { 'session.engine.operation': operation, outcome: failure === undefined ? 'ok' : 'error' }
      metered.duration.record(seconds, attributes)
      if (failure !== undefined) metered.errors.add(1, attributes)
    }
    if (span !== undefined) {
      if (failure !== undefined) {
        span.recordException(error instanceof Error ? error : failure)
        span.setStatus({ code: SPAN_STATUS_ERROR, message: failure })
      }
      span.end()
    }
    const ms = (seconds * 1_000).toFixed(1)
    if (failure === undefined) debugLog('engine %s: ok in %sms', operation, ms)
    else debugLog('engine %s: failed in %sms: %s', operation, ms, failure)
  }
  let result: MaybePromise<T>
  try {
    result = call()
  } catch (error) {
    finish(error)
    throw error
  }
  if (!isPending(result)) {
    finish()
    return result
  }
  return Promise.resolve(result).then(
    (value) => {
      finish()
      return value
    },
    (error: unknown) => {
      finish(error)
      throw error
    }
  )
}

/**
 * Counts the sessions `events` reports started (`express_session_registry.sessions.created`) and ended by
 * log out or revocation (`express_session_registry.sessions.ended`), and logs them by id to the debug log.
 * Adds no listener when neither OpenTelemetry nor the debug log is there.
 */
export function observeSessions(events: SessionEvents): void {
  const otel = openTelemetry()
  if (otel === null && !debugEnabled) return
  const count = (counter: 'created' | 'ended', sessions: number, reason: string): void => {
    if (otel !== null) currentInstruments(otel)?.[counter].add(sessions, { reason })
  }
  events.on('logIn', ({ sessionId }) => {
    count('created', 1, 'logIn')
    debugLog('session %s logged in', sessionId)
  })
  events.on('logOut', ({ sessionId }) => {
    count('ended', 1, 'logOut')
    debugLog('session %s logged out', sessionId)
  })
  events.on('revoke', ({ sessionIds }) => {
    count('ended', sessionIds.length, 'revoke')
    debugLog('sessions %s revoked', sessionIds.join(', '))
  })
}
