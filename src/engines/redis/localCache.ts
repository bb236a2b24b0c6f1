import { type EngineSubject, invalidOption, rejectUnknownOptions } from '../../engine'
import { SubjectSnapshot } from '../subjectCopy'
import type { StoredEntry } from './codec'
import type { RedisClientLike, RedisClusterLike } from './nodeRedis'
import { InvalidationTracker } from './tracking'

/** Options of the Redis engine's in-process cache of session entries (`localCache`). */
export interface LocalCacheOptions {
  /** Most entries kept in process; past it the least recently read is dropped. */
  maxEntries: number
  /**
   * Milliseconds: an entry is served from the cache only while a heartbeat sent at most this long ago
   * has proven that every invalidation before it arrived; otherwise the read goes to Redis and the cache
   * is dropped. A change made on another instance, or a revocation, is thus seen within this bound even
   * when the link to Redis freezes without an error. From 20 to 60,000. @default 1_000
   */
  maxStaleness?: number
}

/** The `localCache` option, checked, with its default. */
export type LocalCacheConfig = Required<LocalCacheOptions>

/** The default of `localCache.maxStaleness`, in milliseconds. */
export const DEFAULT_MAX_STALENESS_MS = 1_000
const MIN_STALENESS_MS = 20
const MAX_STALENESS_MS = 60_000
const LOCAL_CACHE_OPTION_NAMES: ReadonlySet<string> = new Set(['maxEntries', 'maxStaleness'])
// A setup over a link that forwards nothing is given up and retried after this long, at least.
const MIN_SETUP_TIMEOUT_MS = 1_000

/** What the engine can observe of its local cache (for monitoring and tests). */
export interface LocalCacheState {
  /** Entries kept now. */
  readonly size: number
  /** Whether Redis is tracking for this process: while it is not, nothing is cached or served from cache. */
  readonly tracking: boolean
  /** Reads answered from the cache, without a command, since the engine was made. */
  readonly hits: number
  /**
   * Reads that went to Redis since the engine was made: the entry was not kept, or the cache could not be
   * trusted (tracking not set up, or past `maxStaleness`).
   */
  readonly misses: number
}

interface CachedEntry {
  category: string
  snapshot: SubjectSnapshot
}

/** One read in flight: an invalidation of its key while it is in flight makes its result uncacheable. */
interface Fetch {
  stale: boolean
}

/** Validates the `localCache` option of {@link RedisEngine}. */
export function readLocalCacheOptions(value: unknown): LocalCacheConfig | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidOption('localCache', value, 'an object with maxEntries, a positive integer')
  }
  rejectUnknownOptions('RedisEngine localCache', value, LOCAL_CACHE_OPTION_NAMES)
  const { maxEntries, maxStaleness = DEFAULT_MAX_STALENESS_MS } = value as Partial<Record<string, unknown>>
  if (!(Number.isSafeInteger(maxEntries) && (maxEntries as number) > 0)) {
    throw invalidOption('localCache.maxEntries', maxEntries, 'a positive integer')
  }
  if (
    !(Number.isInteger(maxStaleness) && (maxStaleness as number) >= MIN_STALENESS_MS) ||
    (maxStaleness as number) > MAX_STALENESS_MS
  ) {
    throw invalidOption(
      'localCache.maxStaleness',
      maxStaleness,
      `a whole number of milliseconds from ${MIN_STALENESS_MS} to ${MAX_STALENESS_MS}`
    )
  }
  return { maxEntries: maxEntries as number, maxStaleness: maxStaleness as number }
}

/**
 * Session entries kept in process, kept right by Redis: Redis pushes an invalidation for every key under
 * the engine's entry prefix that anyone changes or deletes (client tracking in broadcasting mode), and
 * while that push channel is not up, the cache is empty and bypassed. A hit sends no command, and is
 * allowed only while the tracking connections' heartbeats prove the cache at most `maxStaleness` old.
 */
export class LocalCache implements LocalCacheState {
  private readonly entries = new Map<string, CachedEntry>()
  private readonly inFlight = new Map<string, Set<Fetch>>()
  private readonly tracker: InvalidationTracker
  private readonly maxEntries: number
  // Bumped whenever the whole cache is dropped: a read begun before cannot be cached after.
  private generation = 0
  private hitCount = 0
  private missCount = 0

  constructor(client: RedisClientLike | RedisClusterLike, prefix: string, options: LocalCacheConfig) {
    this.maxEntries = options.maxEntries
    this.tracker = new InvalidationTracker(
      client,
      prefix,
      {
        invalidate: (keys) => {
          if (keys === null) this.clear()
          else for (const key of keys) this.forget(key)
        },
        lost: () => this.clear()
      },
      { maxStaleness: options.maxStaleness, setupTimeout: Math.max(MIN_SETUP_TIMEOUT_MS, 2 * options.maxStaleness) }
    )
  }

  get size(): number {
    return this.entries.size
  }

  get tracking(): boolean {
    return this.tracker.tracking
  }

  get hits(): number {
    return this.hitCount
  }

  get misses(): number {
    return this.missCount
  }

  /** Starts tracking; resolves once the first attempt is over, whatever its outcome (the cache stays off until it succeeds). */
  start(): Promise<void> {
    return this.tracker.start()
  }

  /** Stops tracking and drops every entry. */
  async stop(): Promise<void> {
    await this.tracker.stop()
    this.clear()
  }

  /** A copy of the entry under `key`, without any command, or `undefined` when it is not kept. */
  lookup(key: string): { category: string; subject: EngineSubject } | undefined {
    if (Date.now() > this.tracker.freshUntil) {
      // Past the bound: what is kept may have been changed since, unbeknown to this process.
      if (this.entries.size > 0) this.clear()
      return undefined
    }
    const cached = this.entries.get(key)
    if (!cached) return undefined
    this.hitCount += 1
    // Re-inserted at the end: the Map's first key is always the least recently read.
    this.entries.delete(key)
    this.entries.set(key, cached)
    return { category: cached.category, subject: cached.snapshot.copy() }
  }

  /** Runs `read` (the `GET` of `key`, a miss) and keeps what it found, unless the key changed while it ran. */
  async load(key: string, read: () => Promise<StoredEntry | undefined>): Promise<StoredEntry | undefined> {
    this.missCount += 1
    const fetch: Fetch = { stale: !this.tracker.tracking }
    const generation = this.generation
    let pending = this.inFlight.get(key)
    if (!pending) this.inFlight.set(key, (pending = new Set()))
    pending.add(fetch)
    try {
      const entry = await read()
      if (entry && !fetch.stale && generation === this.generation && this.tracker.tracking) {
        this.keep(key, entry)
        return { category: entry.category, subject: this.entries.get(key)!.snapshot.copy() }
      }
      return entry
    } finally {
      pending.delete(fetch)
      if (pending.size === 0) this.inFlight.delete(key)
    }
  }

  /** Drops the entry under `key`, and makes every read of it in flight uncacheable. */
  forget(key: string): void {
    this.entries.delete(key)
    const pending = this.inFlight.get(key)
    if (pending) for (const fetch of pending) fetch.stale = true
  }

  /** Drops every entry of `category` (a sign-out of many sessions), and every read in flight. */
  forgetCategory(category: string): void {
    this.generation += 1
    for (const [key, cached] of this.entries) if (cached.category === category) this.entries.delete(key)
  }

  /** Drops every entry, and every read in flight. */
  clear(): void {
    this.generation += 1
    this.entries.clear()
  }

  private keep(key: string, entry: StoredEntry): void {
    this.entries.delete(key)
    this.entries.set(key, { category: entry.category, snapshot: new SubjectSnapshot(entry.subject) })
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
  }
}
