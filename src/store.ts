import type { EngineSubject, SessionEngine } from './engine'
import { SessionEngineError } from './errors'
import { isStoredSession, type StoredSession } from './record'

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

  /** The stored session under `hash`, or `undefined` when there is none or it is not one of ours. */
  async find(hash: string): Promise<StoredSession | undefined> {
    const subject = await this.#call('read the session', (engine) => engine.get(hash))
    return isStoredSession(subject) ? subject : undefined
  }

  /** Stores a new session. */
  async create(hash: string, category: string, session: StoredSession): Promise<void> {
    await this.#call('store the session', (engine) => engine.set(hash, category, { ...session }))
  }

  /** Rewrites a session only if it still exists; tells whether it did. */
  async update(hash: string, category: string, session: StoredSession): Promise<boolean> {
    const subject: EngineSubject = { ...session }
    return this.#call('update the session', async (engine) => {
      if (engine.update) return Boolean(await engine.update(hash, category, subject))
      // Without an atomic update a delete can slip between these two calls; engines should implement update().
      if (!isStoredSession(await engine.get(hash))) return false
      await engine.set(hash, category, subject)
      return true
    })
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

  /** Releases the engine if this store built it; an engine the app passed in is the app's to release. */
  async release(): Promise<void> {
    if (!this.#owned) return
    this.#engine = undefined
    this.#preparing = undefined
    try {
      await (await this.#source).release?.()
    } catch (error) {
      throw new SessionEngineError('release', error)
    }
  }

  async #call<T>(operation: string, action: (engine: SessionEngine) => T | Promise<T>): Promise<T> {
    const engine = this.#engine ?? (await this.#prepare())
    try {
      return await action(engine)
    } catch (error) {
      throw new SessionEngineError(operation, error)
    }
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
