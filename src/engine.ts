// All an engine imports from the core: the errors it may throw for bad options or a refused store.
export { invalidOption, notAnOption, SessionError, type InputError } from './errors'
export { rejectUnknownOptions, type MigrationHints } from './optionCheck'

/** A session entry as an engine stores it: plain JSON data, no token inside. */
export type EngineSubject = Record<string, unknown>

/**
 * How an engine's in-process cache answered reads, counted since the engine was made and never reset.
 * A hit is a `get` answered from process memory, without a round trip to the store; a miss is a `get`
 * that went to the store while the cache was on (the entry was not kept, or the cache could not be
 * trusted at that moment). Every `get` of an engine with its cache on is one or the other.
 */
export interface CacheStatistics {
  readonly hits: number
  readonly misses: number
}

/**
 * The storage contract, a superset of the token-registry `EngineInterface`: every engine written for
 * `@universal-packages/token-registry` works as it is, and engines that implement the optional methods
 * get atomic updates and one-round-trip bulk sign-out.
 *
 * Engines are plain storage: the core hashes tokens before they reach an engine, and checks expiry,
 * ownership and renewal itself. Keys handed to an engine are token hashes (base64url), categories are
 * `auth-<authenticatableId>` (`auth:<tag>:<authenticatableId>` under a `registryId`), both built in
 * `keys.ts`; an engine treats them as opaque strings. A subject's
 * `expiresAt` (milliseconds since the epoch, or `null`) is when the entry stops being valid; engines
 * that can expire entries natively should use it as the TTL.
 */
export interface SessionEngine {
  /** Connects or allocates; called before the first use. Must be idempotent. */
  prepare?(): void | Promise<void>
  /** Closes what `prepare` opened. */
  release?(): void | Promise<void>
  /** Removes every entry this engine holds. */
  clear(): void | Promise<void>
  /** The entry stored under `token`, or `undefined`/`null` when there is none. */
  get(token: string): EngineSubject | null | undefined | Promise<EngineSubject | null | undefined>
  /** Stores `subject` under `token`, indexed under `category`, replacing any entry there. */
  set(token: string, category: string, subject: EngineSubject): void | Promise<void>
  /** Every entry of `category`, keyed by token; `{}` for an unknown category. */
  getAll(category: string): Record<string, EngineSubject> | Promise<Record<string, EngineSubject>>
  /** Removes the entry under `token` (a no-op when there is none). `category` is passed when known. */
  delete(token: string, category?: string): void | Promise<void>
  /**
   * Replaces the entry under `token` only if it still exists, atomically, and tells whether it did.
   * Without it the core falls back to `get` + `set`, which can race with a concurrent `delete`.
   */
  update?(token: string, category: string, subject: EngineSubject): boolean | Promise<boolean>
  /**
   * Changes only the given top-level fields of the live entry under `token`, leaving every other field as
   * stored, atomically, and tells whether it applied. With `expectedVersion`, it applies only when the
   * stored entry's `version` field (absent counts as 0) equals it (compare-and-set). Resolves `false` when
   * there is no live entry or the version differs. Never creates or revives an entry, and never changes
   * the entry's category.
   */
  patch?(token: string, category: string, fields: EngineSubject, expectedVersion?: number): boolean | Promise<boolean>
  /** Removes every entry of `category` except the one under `keepToken`, in one round trip. */
  deleteAll?(category: string, keepToken?: string): void | Promise<void>
  /**
   * Removes every entry whose category starts with `prefix`, compared as a plain case-sensitive string
   * (never a pattern): how `Session.logOutEveryone()` signs out every user of one registry and leaves the
   * other registries of a shared store alone. Not on a request path: it may take time in proportion to
   * the entries.
   */
  deleteByCategoryPrefix?(prefix: string): void | Promise<void>
  /**
   * Stores a new entry as `set` does, then removes the least recently used entries of `category`
   * (in {@link byLeastRecentUse} order), never the new one, until at most `limit`
   * remain, in the same round trip, and resolves the subjects it removed. Without it the core calls
   * `set`, then lists the category and deletes the surplus.
   */
  setCapped?(
    token: string,
    category: string,
    subject: EngineSubject,
    limit: number
  ): EngineSubject[] | Promise<EngineSubject[]>
  /**
   * The hits and misses of the engine's in-process cache (see {@link CacheStatistics}), or `undefined`
   * when it keeps none. Plain counters the engine bumps as it reads: the core calls this only when
   * OpenTelemetry collects metrics (the `express_session_registry.cache.hits` and `.misses` observable
   * counters), never on a request. Must be cheap and must not throw.
   */
  cacheStatistics?(): CacheStatistics | undefined
}

/**
 * The shape of an engine written for `@universal-packages/token-registry` (its `EngineInterface`), spelled
 * out here so that neither the core nor its types need that package installed.
 */
export interface TokenRegistryEngine {
  prepare?(): void | Promise<void>
  release?(): void | Promise<void>
  clear(): void | Promise<void>
  delete(token: string): void | Promise<void>
  get(token: string): Record<string, unknown> | Promise<Record<string, unknown>>
  getAll(category: string): Record<string, unknown> | Promise<Record<string, unknown>>
  set(token: string, category: string, subject: Record<string, unknown>): void | Promise<void>
}

/** Any engine the `engine` option accepts: ours, or one written for `@universal-packages/token-registry`. */
export type Engine = SessionEngine | TokenRegistryEngine

/** The times that order sessions by use: a subject's `lastAccessed` and `firstAccessed`. */
export interface UseTimes {
  readonly lastAccessed: number
  readonly firstAccessed: number
}

/** The order `setCapped` removes in, least recently used first: by last access, then by log in. */
export function byLeastRecentUse(a: UseTimes, b: UseTimes): number {
  return a.lastAccessed - b.lastAccessed || a.firstAccessed - b.firstAccessed
}
