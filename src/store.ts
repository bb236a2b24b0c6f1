import { byLeastRecentUse, type EngineSubject, type SessionEngine } from './engine'
import { DeadlineClock } from './deadlines'
import { SessionEngineError, SessionEngineTimeoutError, SessionError } from './errors'
import { isPending, type MaybePromise } from './maybe'
import { isStoredSession, type StoredSession } from './record'
import { observeEngineCache, observeEngineCall } from './telemetry'

// Never a token hash (those are 43 base64url characters): the read that proves the engine answers finds nothing.
const READY_PROBE_KEY = 'ready-probe'

/** What access tracking and renewal change on a session: nothing else of the entry is written. */
export type AccessFields = Pick<StoredSession, 'lastAccessed' | 'lastIp' | 'expiresAt'>

/** Fields of a session a patch may change; a field given as `undefined` is removed from the entry. */
export type SessionFields = { [K in keyof StoredSession]?: StoredSession[K] | undefined }

/** Options of a {@link SessionStore}. */
export interface SessionStoreOptions {
  /** The store built the engine from a name for itself alone, so it may release it. @default false */
  owned?: boolean
  /**
   * How long an engine call may take before it fails with {@link SessionEngineTimeoutError}, in
   * milliseconds; `0` or `Infinity` waits forever. @default Infinity
   */
  timeoutMs?: number
}

/**
 * The core's only door to an engine: prepares it once, retries preparation after a failure (so the app
 * recovers by itself when the store comes back), wraps every failure in {@link SessionEngineError}, and
 * falls back to the plain token-registry calls where an engine lacks the atomic extras.
 */
export class SessionStore {
  #engine: SessionEngine | undefined
  #preparing: Promise<SessionEngine> | undefined
  readonly #source: SessionEngine | Promise<SessionEngine>
  readonly #owned: boolean
  // The engine timeout's deadlines, on one timer for every call in flight; none without a timeout.
  readonly #deadlines: DeadlineClock | undefined

  constructor(source: SessionEngine | Promise<SessionEngine>, options: SessionStoreOptions = {}) {
    this.#source = source
    this.#owned = options.owned ?? false
    const timeoutMs = options.timeoutMs ?? Infinity
    this.#deadlines = timeoutMs > 0 && timeoutMs !== Infinity ? new DeadlineClock(timeoutMs) : undefined
    // An engine that fails to load is reported by the first request that needs it, not as an unhandled rejection.
    if (source instanceof Promise) source.catch(() => undefined)
  }

  /**
   * The stored session under `hash`, or `undefined` when there is none or it is not one of ours. At once
   * when the engine answers at once.
   */
  find(hash: string): MaybePromise<StoredSession | undefined> {
    return this.#call(
      'read the session',
      (engine) => engine.get(hash),
      (subject) => (isStoredSession(subject) ? subject : undefined)
    )
  }

  /**
   * Stores a new session, then ends the least recently used other sessions of its category until at
   * most `limit` remain; resolves the sessions it ended. One round trip on an engine with
   * `setCapped`; otherwise `set`, then a listing and a delete per surplus session.
   */
  async create(hash: string, category: string, session: StoredSession, limit: number): Promise<StoredSession[]> {
    return this.#call('store the session', async (engine) => {
      if (!engine.setCapped) {
        await engine.set(hash, category, { ...session })
        return removeLeastRecentlyUsed(engine, hash, category, limit)
      }
      const removed = await engine.setCapped(hash, category, { ...session }, limit)
      return removed.filter(isStoredSession)
    })
  }

  /** Stores an entry under `hash` in `category`, replacing any entry there (and moving it to `category`). */
  async save(hash: string, category: string, session: StoredSession): Promise<void> {
    await this.#call('store the session', (engine) => engine.set(hash, category, { ...session }))
  }

  /** Rewrites a session only if it still exists; tells whether it did. At once when the engine answers at once. */
  update(hash: string, category: string, session: StoredSession): MaybePromise<boolean> {
    const subject: EngineSubject = { ...session }
    return this.#call(
      'update the session',
      (engine) =>
        engine.update ? engine.update(hash, category, subject) : replaceIfPresent(engine, hash, category, subject),
      Boolean
    )
  }

  /**
   * Records an access or a renewal: changes only `lastAccessed`, `lastIp` and `expiresAt` of the live
   * session, never the rest of the entry; tells whether it applied (see {@link patch}).
   */
  touch(hash: string, category: string, fields: AccessFields): MaybePromise<boolean> {
    const { lastAccessed, lastIp, expiresAt } = fields
    return this.patch(hash, category, { lastAccessed, lastIp, expiresAt })
  }

  /**
   * Changes only `fields` of the live session under `hash` and tells whether it applied; with
   * `expectedVersion`, only while its `version` (absent counts as 0) is that one. Atomic on an engine
   * with `patch`, and never revives a removed entry. On an engine without it, a `get`, a merge and an
   * `update` (or a `set`): a write landing in between can be lost, and without `update` a session
   * removed in between can come back.
   */
  patch(hash: string, category: string, fields: SessionFields, expectedVersion?: number): MaybePromise<boolean> {
    const changes: EngineSubject = { ...fields }
    return this.#call(
      'update the session',
      (engine) =>
        engine.patch
          ? engine.patch(hash, category, changes, expectedVersion)
          : patchByRewrite(engine, hash, category, changes, expectedVersion),
      Boolean
    )
  }

  /** Removes one session. */
  async remove(hash: string, category: string): Promise<void> {
    await this.#call('delete the session', (engine) => engine.delete(hash, category))
  }

  /** Every stored session of a category, by hash, in the engine's order. */
  async list(category: string): Promise<Array<[string, StoredSession]>> {
    const all = await this.#call('list the sessions', (engine) => engine.getAll(category))
    const sessions: Array<[string, StoredSession]> = []
    for (const [hash, subject] of Object.entries(all ?? {})) {
      if (isStoredSession(subject)) sessions.push([hash, subject])
    }
    return sessions
  }

  /** Removes every session of a category but `keepHash`. */
  async removeAll(category: string, keepHash?: string): Promise<void> {
    await this.#call('delete the sessions', async (engine) => {
      if (engine.deleteAll) return engine.deleteAll(category, keepHash)
      const hashes = Object.keys((await engine.getAll(category)) ?? {}).filter((hash) => hash !== keepHash)
      await Promise.all(hashes.map((hash) => engine.delete(hash, category)))
    })
  }

  /**
   * Removes every session whose category starts with `prefix` (every user of one registry). Throws a
   * {@link SessionError} (`ESR_ENGINE_UNSUPPORTED`) when the engine has no `deleteByCategoryPrefix`.
   */
  async removeByCategoryPrefix(prefix: string): Promise<void> {
    const supported = await this.#call('delete the sessions', async (engine) => {
      if (!engine.deleteByCategoryPrefix) return false
      await engine.deleteByCategoryPrefix(prefix)
      return true
    })
    if (!supported) {
      throw new SessionError(
        'Session.logOutEveryone() needs an engine with deleteByCategoryPrefix(); this engine has none',
        { code: 'ESR_ENGINE_UNSUPPORTED' }
      )
    }
  }

  /** Prepares the engine and reads an entry that never exists: resolves once the engine has answered. */
  async ready(): Promise<void> {
    await this.#call('answer', (engine) => engine.get(READY_PROBE_KEY))
  }

  /**
   * Releases the engine if this store built it; an engine the app passed in is the app's to release.
   * Never rejects for an engine that never connected: a shutdown after a failed start has nothing to lose.
   */
  async release(): Promise<void> {
    if (!this.#owned) return
    const connected = this.#engine !== undefined
    this.#engine = undefined
    this.#preparing = undefined
    let engine: SessionEngine
    try {
      engine = await this.#source
    } catch {
      return
    }
    try {
      await engine.release?.()
    } catch (error) {
      if (connected) throw new SessionEngineError('release', error)
    }
  }

  #call<T, R = T>(
    operation: string,
    action: (engine: SessionEngine) => MaybePromise<T>,
    map: (value: T) => R = (value) => value as unknown as R
  ): MaybePromise<R> {
    const engine = this.#engine
    if (!engine) return this.#prepare().then(() => this.#call(operation, action, map))
    let result: MaybePromise<T>
    try {
      result = observeEngineCall(operation, () => action(engine))
    } catch (error) {
      throw new SessionEngineError(operation, error)
    }
    if (!isPending(result)) return map(result)
    const settled = Promise.resolve(result).then(map, (error: unknown) => {
      throw new SessionEngineError(operation, error)
    })
    return this.#withDeadline(operation, settled)
  }

  // Only a pending answer gets a deadline: a synchronous engine (memory, SQLite) never pays for one.
  #withDeadline<R>(operation: string, pending: Promise<R>): Promise<R> {
    const deadlines = this.#deadlines
    if (deadlines === undefined) return pending
    return deadlines.bound(pending, () => new SessionEngineTimeoutError(operation, deadlines.timeoutMs))
  }

  #prepare(): Promise<SessionEngine> {
    this.#preparing ??= this.#withDeadline(
      'connect',
      (async () => {
        try {
          const engine = await this.#source
          await engine.prepare?.()
          observeEngineCache(engine)
          return engine
        } catch (error) {
          throw new SessionEngineError('connect', error)
        }
      })()
    ).then(
      (engine) => {
        this.#engine = engine
        return engine
      },
      (error: unknown) => {
        // A failed or timed-out preparation is tried again by the next call (prepare() is idempotent).
        this.#preparing = undefined
        throw error
      }
    )
    return this.#preparing
  }
}

// Without an atomic update a delete can slip between these two calls; engines should implement update().
async function replaceIfPresent(
  engine: SessionEngine,
  hash: string,
  category: string,
  subject: EngineSubject
): Promise<boolean> {
  if (!isStoredSession(await engine.get(hash))) return false
  await engine.set(hash, category, subject)
  return true
}

// The contract's fallback for patch: a write landing between the get and the update is lost, and
// without update() a delete landing there is undone.
async function patchByRewrite(
  engine: SessionEngine,
  hash: string,
  category: string,
  fields: EngineSubject,
  expectedVersion: number | undefined
): Promise<boolean> {
  const stored = await engine.get(hash)
  if (!isStoredSession(stored)) return false
  if (expectedVersion !== undefined && (stored.version ?? 0) !== expectedVersion) return false
  const merged: EngineSubject = { ...stored }
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) delete merged[field]
    else merged[field] = value
  }
  if (engine.update) return Boolean(await engine.update(hash, category, merged))
  await engine.set(hash, category, merged)
  return true
}

// The contract's fallback for setCapped; a session written in between may push the count past the
// limit until the next log in, never lose a session under it.
async function removeLeastRecentlyUsed(
  engine: SessionEngine,
  keepHash: string,
  category: string,
  limit: number
): Promise<StoredSession[]> {
  const others: Array<[string, StoredSession]> = []
  for (const [hash, subject] of Object.entries((await engine.getAll(category)) ?? {})) {
    if (hash !== keepHash && isStoredSession(subject)) others.push([hash, subject])
  }
  const surplus = others.length + 1 - limit
  if (surplus <= 0) return []
  const ended = others.sort(([, a], [, b]) => byLeastRecentUse(a, b)).slice(0, surplus)
  await Promise.all(ended.map(([hash]) => engine.delete(hash, category)))
  return ended.map(([, session]) => session)
}
