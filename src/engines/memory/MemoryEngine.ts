import {
  byLeastRecentUse,
  invalidOption,
  rejectUnknownOptions,
  type EngineSubject,
  type MigrationHints,
  type SessionEngine
} from '../../engine'
import { SubjectSnapshot } from '../subjectCopy'
import { warnIfOneOfSeveral } from './processWarning'

/** Options of {@link MemoryEngine}. */
export interface MemoryEngineOptions {
  /**
   * Upper bound on stored sessions; past it the least recently used one is evicted (a `get`, `set` or
   * `update` or `patch` of a session counts as use). @default unbounded
   */
  maxSessions?: number
  /** How often expired entries are swept, in milliseconds. @default 60_000 */
  sweepInterval?: number
}

// Typed against the options interface, so an option added there and not here fails to compile.
const OPTION_NAMES: Record<keyof MemoryEngineOptions, true> = { maxSessions: true, sweepInterval: true }
const MEMORY_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(OPTION_NAMES))

/** memorystore's options (express-session's usual memory store), each with what to use here. */
const MEMORYSTORE_HINTS: MigrationHints = {
  checkPeriod: 'use "sweepInterval" (milliseconds)',
  max: 'use "maxSessions"',
  ttl: 'sessions expire by session()\'s "idleTimeout" (milliseconds)'
}

interface MemoryEntry {
  snapshot: SubjectSnapshot
  category: string
  expiresAt: number | null
  // Kept out of the JSON so setCapped orders a user's sessions without parsing them.
  lastAccessed: number
  firstAccessed: number
}

const timeOf = (value: unknown): number => (typeof value === 'number' ? value : 0)

const DEFAULT_SWEEP_INTERVAL_MS = 60_000

/**
 * The embedded engine: a `Map` of JSON copies (so it fails the way a networked store would when a
 * subject is not plain data), parsed once when written and handed out as copies, with a per-category index, lazy expiry on read and a periodic sweep on an
 * unref'd timer, so it never keeps a process alive.
 */
export class MemoryEngine implements SessionEngine {
  private readonly entries = new Map<string, MemoryEntry>()
  private readonly categories = new Map<string, Set<string>>()
  private readonly maxSessions: number
  private readonly sweepInterval: number
  private sweepTimer: NodeJS.Timeout | undefined

  constructor(options: MemoryEngineOptions = {}) {
    rejectUnknownOptions('MemoryEngine', options ?? {}, MEMORY_ENGINE_OPTION_NAMES, MEMORYSTORE_HINTS)
    const { maxSessions = Infinity, sweepInterval = DEFAULT_SWEEP_INTERVAL_MS } = options ?? {}
    if (maxSessions !== Infinity && !(Number.isSafeInteger(maxSessions) && maxSessions > 0)) {
      throw invalidOption('maxSessions', maxSessions, 'a positive integer')
    }
    if (!(Number.isFinite(sweepInterval) && sweepInterval > 0)) {
      throw invalidOption('sweepInterval', sweepInterval, 'a positive number of milliseconds')
    }
    this.maxSessions = maxSessions
    this.sweepInterval = sweepInterval
    warnIfOneOfSeveral()
  }

  /** How many entries are stored, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size
  }

  get(token: string): EngineSubject | undefined {
    const entry = this.liveEntry(token)
    if (!entry) return undefined
    this.markUsed(token, entry)
    return entry.snapshot.copy()
  }

  set(token: string, category: string, subject: EngineSubject): void {
    const snapshot = SubjectSnapshot.of(subject)
    const previous = this.entries.get(token)
    if (previous && previous.category !== category) this.unindex(token, previous.category)
    let members = this.categories.get(category)
    if (!members) {
      members = new Set()
      this.categories.set(category, members)
    }
    members.add(token)
    const expiresAt = typeof subject.expiresAt === 'number' ? subject.expiresAt : null
    const entry = {
      snapshot,
      category,
      expiresAt,
      lastAccessed: timeOf(subject.lastAccessed),
      firstAccessed: timeOf(subject.firstAccessed)
    }
    // A rewrite is a use: re-inserting moves it to the end of the eviction order.
    if (this.maxSessions !== Infinity) this.entries.delete(token)
    this.entries.set(token, entry)
    if (this.entries.size > this.maxSessions) this.evictLeastRecentlyUsed()
    this.startSweeping()
  }

  /**
   * Stores as `set` does, then removes the least recently used other entries of `category` until at
   * most `limit` remain; returns what it removed. O(entries of that category).
   */
  setCapped(token: string, category: string, subject: EngineSubject, limit: number): EngineSubject[] {
    this.set(token, category, subject)
    const members = this.categories.get(category)
    if (!members || members.size <= limit) return []
    const others: Array<[string, MemoryEntry]> = []
    for (const member of [...members]) {
      const entry = member === token ? undefined : this.liveEntry(member)
      if (entry) others.push([member, entry])
    }
    const surplus = others.length + 1 - limit
    if (surplus <= 0) return []
    return others
      .sort(([, a], [, b]) => byLeastRecentUse(a, b))
      .slice(0, surplus)
      .map(([member, entry]) => {
        this.delete(member)
        return entry.snapshot.copy()
      })
  }

  update(token: string, category: string, subject: EngineSubject): boolean {
    if (!this.liveEntry(token)) return false
    this.set(token, category, subject)
    return true
  }

  /**
   * Changes only `fields` of the live entry (a field given as `undefined` is removed), in place of its
   * snapshot: O(1) in the number of entries. With `expectedVersion`, only when the entry's `version`
   * (absent counts as 0) equals it. Never creates or revives an entry, never changes its category.
   */
  patch(token: string, _category: string, fields: EngineSubject, expectedVersion?: number): boolean {
    const entry = this.liveEntry(token)
    if (!entry) return false
    const current = entry.snapshot.copy()
    if (expectedVersion !== undefined && (current.version ?? 0) !== expectedVersion) return false
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) delete current[field]
      else current[field] = value
    }
    entry.snapshot = SubjectSnapshot.of(current)
    entry.expiresAt = typeof current.expiresAt === 'number' ? current.expiresAt : null
    entry.lastAccessed = timeOf(current.lastAccessed)
    entry.firstAccessed = timeOf(current.firstAccessed)
    this.markUsed(token, entry)
    return true
  }

  getAll(category: string): Record<string, EngineSubject> {
    const all: Record<string, EngineSubject> = {}
    const members = this.categories.get(category)
    if (!members) return all
    for (const token of [...members]) {
      const entry = this.liveEntry(token)
      if (entry) all[token] = entry.snapshot.copy()
    }
    return all
  }

  delete(token: string): void {
    const entry = this.entries.get(token)
    if (!entry) return
    this.entries.delete(token)
    this.unindex(token, entry.category)
  }

  deleteAll(category: string, keepToken?: string): void {
    const members = this.categories.get(category)
    if (!members) return
    for (const token of [...members]) {
      if (token !== keepToken) this.delete(token)
    }
  }

  deleteByCategoryPrefix(prefix: string): void {
    for (const [category, members] of [...this.categories]) {
      if (!category.startsWith(prefix)) continue
      for (const token of [...members]) this.delete(token)
    }
  }

  clear(): void {
    this.entries.clear()
    this.categories.clear()
  }

  /** Stops the sweep timer; the stored entries stay. */
  release(): void {
    clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
  }

  /** Removes every expired entry now (the timer calls this). */
  sweep(now: number = Date.now()): void {
    for (const [token, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.delete(token)
    }
  }

  private liveEntry(token: string): MemoryEntry | undefined {
    const entry = this.entries.get(token)
    if (entry && entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.delete(token)
      return undefined
    }
    return entry
  }

  private unindex(token: string, category: string): void {
    const members = this.categories.get(category)
    if (!members) return
    members.delete(token)
    if (members.size === 0) this.categories.delete(category)
  }

  // A Map iterates in insertion order: moving a used entry to the end keeps the least recently used first.
  // Only when bounded, so an unbounded engine pays nothing for it on every read.
  private markUsed(token: string, entry: MemoryEntry): void {
    if (this.maxSessions === Infinity) return
    this.entries.delete(token)
    this.entries.set(token, entry)
  }

  private evictLeastRecentlyUsed(): void {
    const leastRecentlyUsed = this.entries.keys().next().value as string
    this.delete(leastRecentlyUsed)
  }

  private startSweeping(): void {
    if (this.sweepTimer) return
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepInterval)
    this.sweepTimer.unref()
  }
}
