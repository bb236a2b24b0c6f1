import { byLeastRecentUse, type EngineSubject, type SessionEngine } from './engine'
import { SessionEngineError, SessionError } from './errors'
import { isPending, type MaybePromise } from './maybe'
import { isStoredSession, type StoredSession } from './record'
import { observeEngineCall } from './telemetry'

// Never a token hash (those are 43 base64url characters): the read that proves the engine answers finds nothing.
const READY_PROBE_KEY = 'ready-probe'

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

  /** `owned`: the engine was built from a name for this store alone, so the store may release it. */
  constructor(source: SessionEngine | Promise<SessionEngine>, owned = false) {
    this.#source = source
    this.#owned = owned
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
   * most `limit` remain; resolves the ids of the sessions it ended. One round trip on an engine with
   * `setCapped`; otherwise `set`, then a listing and a delete per surplus session.
   */
  async create(hash: string, category: string, session: StoredSession, limit: number): Promise<string[]> {
    return this.#call('store the session', async (engine) => {
      if (!engine.setCapped) {
        await engine.set(hash, category, { ...session })
        return removeLeastRecentlyUsed(engine, hash, category, limit)
      }
      const removed = await engine.setCapped(hash, category, { ...session }, limit)
      return removed.filter(isStoredSession).map((subject) => subject.id)
    })
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
    return Promise.resolve(result).then(map, (error: unknown) => {
      throw new SessionEngineError(operation, error)
    })
  }

  #prepare(): Promise<SessionEngine> {
    this.#preparing ??= (async () => {
      try {
        const engine = await this.#source
        await engine.prepare?.()
        this.#engine = engine
        return engine
      } catch (error) {
        this.#preparing = undefined
        throw new SessionEngineError('connect', error)
      }
    })()
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

// The contract's fallback for setCapped; a session written in between may push the count past the
// limit until the next log in, never lose a session under it.
async function removeLeastRecentlyUsed(
  engine: SessionEngine,
  keepHash: string,
  category: string,
  limit: number
): Promise<string[]> {
  const others: Array<[string, StoredSession]> = []
  for (const [hash, subject] of Object.entries((await engine.getAll(category)) ?? {})) {
    if (hash !== keepHash && isStoredSession(subject)) others.push([hash, subject])
  }
  const surplus = others.length + 1 - limit
  if (surplus <= 0) return []
  const ended = others.sort(([, a], [, b]) => byLeastRecentUse(a, b)).slice(0, surplus)
  await Promise.all(ended.map(([hash]) => engine.delete(hash, category)))
  return ended.map(([, session]) => session.id)
}
