import type { CacheStatistics, EngineSubject, SessionEngine } from '../../engine'
import { setCappedByScript } from './cap'
import { setCappedOnCluster, type CappedWrite } from './clusterCap'
import { decodeTaken, encodeHash, lastUseOf } from './codec'
import { RedisConnection, runScript, text, type Step } from './connection'
import type { SupportedRedisClient } from './detect'
import { isWrongType, readEntry } from './entries'
import { refuseEvictingPolicy } from './eviction'
import { LocalCache, type LocalCacheState } from './localCache'
import { connectOwnClient, type OwnedClient } from './ownClient'
import { resolveRedisOptions, type RedisEngineOptions } from './options'
import { patchEntry } from './patch'
import { replicaAcknowledgements } from './replication'
import { DELETE_ALL, INDEX, REPLACE_ENTRY, RESCORE, SET_ENTRY, TAKE_ENTRY } from './scripts'
import { trackableClient } from './tracking'

export type { RedisEngineOptions }

/**
 * The Redis engine: sessions shared by every app instance, on standalone Redis, Sentinel or Redis
 * Cluster, through node-redis, ioredis or iovalkey.
 *
 * Tokens reach Redis only as exact key names and script arguments, never inside a pattern. Each entry
 * is one hash of its fields with a native TTL (the subject's `expiresAt`); a sorted set per category,
 * scored by last use, lists its entries, so `getAll`, `deleteAll` and the cap never scan, and no script
 * decodes what a session holds. Reading a session is one `HGETALL`.
 */
export class RedisEngine implements SessionEngine {
  /** The client commands go through: the one passed in, or the one the engine created. */
  readonly client: SupportedRedisClient
  /** Prefix of every key. */
  readonly identifier: string
  /** Lifetime in seconds of an entry without `expiresAt`. */
  readonly expireAfter: number
  /** Replicas that acknowledge each log in and log out. */
  readonly replicas: number
  /** The in-process cache (`localCache`), or `undefined` when off. */
  readonly localCache: LocalCacheState | undefined

  private readonly connection: RedisConnection
  private readonly cache: LocalCache | undefined
  private readonly ownClient: OwnedClient | undefined
  private readonly replicaTimeout: number
  private readonly allowEviction: boolean
  private preparing: Promise<void> | undefined

  constructor(options?: RedisEngineOptions) {
    const config = resolveRedisOptions(options)
    this.identifier = config.identifier
    this.expireAfter = config.expireAfter
    this.replicas = config.replicas
    this.replicaTimeout = config.replicaTimeout
    this.allowEviction = config.allowEviction
    this.ownClient = config.ownClient
    this.client = config.adapter.client as SupportedRedisClient
    const cache =
      config.localCache && new LocalCache(trackableClient(config.adapter), this.entryKey(''), config.localCache)
    // A command that failed or timed out says the link may be down, and invalidations with it (a legacy
    // entry's WRONGTYPE is Redis answering).
    const failed = cache && ((error: unknown) => isWrongType(error) || cache.clear())
    this.connection = new RedisConnection(config.adapter, config.commandTimeout, failed)
    this.cache = cache
    this.localCache = cache
  }

  /**
   * Connects, once: concurrent and repeated calls share one connection. A client the engine created
   * keeps reconnecting in the background, so a Redis that is down at start fails this call (and the
   * commands after it) at once instead of holding them, and is used as soon as it is back. Then refuses
   * a Redis whose `maxmemory-policy` may evict sessions, unless `allowEviction`.
   */
  prepare(): Promise<void> {
    this.preparing ??= this.open()
      .then(() => this.cache?.start())
      .catch((error: unknown) => {
        this.preparing = undefined
        throw error
      })
    return this.preparing
  }

  /** The same as {@link RedisEngine.prepare} (the name the original engine's example uses). */
  connect(): Promise<void> {
    return this.prepare()
  }

  /** Closes the client if the engine created it; a client passed in is left to the app. */
  async release(): Promise<void> {
    this.preparing = undefined
    await this.cache?.stop()
    const client = this.ownClient
    if (!client?.isOpen) return
    if (!client.isReady) {
      // Reconnecting: there is nothing to flush, and QUIT would be refused by the disabled offline queue.
      await (client.destroy ? client.destroy() : client.disconnect())
    } else {
      await (client.close ? client.close() : client.quit())
    }
  }

  /** The `localCache`'s hits and misses since the engine was made (see {@link LocalCacheState}); `undefined` when it is off. */
  cacheStatistics(): CacheStatistics | undefined {
    const cache = this.cache
    return cache && { hits: cache.hits, misses: cache.misses }
  }

  async get(token: string): Promise<EngineSubject | undefined> {
    const key = this.entryKey(token)
    const read = () => readEntry(this.connection, key)
    const entry = this.cache ? (this.cache.lookup(key) ?? (await this.cache.load(key, read))) : await read()
    return entry && isLive(entry.subject, Date.now()) ? entry.subject : undefined
  }

  async set(token: string, category: string, subject: EngineSubject): Promise<void> {
    const now = Date.now()
    const expiresAt = this.expiryOf(subject, now)
    const fields = encodeHash(category, subject)
    if (expiresAt <= now) return this.delete(token)
    const key = this.entryKey(token)
    const index = this.indexKey(category)
    this.cache?.forget(key)
    // The entry is written before its index member, so that a concurrent deleteAll either sees the
    // member and deletes the entry, or misses both: never an entry that no index lists.
    const [previous] = await this.connection.together([
      (send) => runScript(send, SET_ENTRY, [key], [String(expiresAt), ...fields]),
      (send) => runScript(send, INDEX, [index], [token, lastUseOf(subject), String(expiresAt), this.prunePrefix()]),
      ...this.acknowledged([key, index])
    ])
    await this.unindexMoved(token, category, previous)
  }

  async setCapped(token: string, category: string, subject: EngineSubject, limit: number): Promise<EngineSubject[]> {
    const now = Date.now()
    const expiresAt = this.expiryOf(subject, now)
    if (expiresAt <= now) {
      await this.delete(token)
      return []
    }
    const fields = encodeHash(category, subject)
    const index = this.indexKey(category)
    const key = this.entryKey(token)
    this.cache?.forget(key)
    const write: CappedWrite = {
      token,
      key,
      index,
      fields,
      category,
      lastUse: lastUseOf(subject),
      firstAccessed: Number(subject.firstAccessed) || 0,
      expiresAt,
      limit,
      entryKey: (other) => this.entryKey(other),
      acknowledged: this.acknowledged(this.connection.cluster ? [key, index] : [index])
    }
    const { previous, removed } = this.connection.cluster
      ? await setCappedOnCluster(this.connection, write)
      : await setCappedByScript(this.connection, write)
    await this.unindexMoved(token, category, previous)
    if (removed.length > 0) this.cache?.forgetCategory(category)
    return removed
  }

  async update(token: string, category: string, subject: EngineSubject): Promise<boolean> {
    const now = Date.now()
    const expiresAt = this.expiryOf(subject, now)
    const fields = encodeHash(category, subject)
    const key = this.entryKey(token)
    const index = this.indexKey(category)
    this.cache?.forget(key)
    if (expiresAt <= now) {
      const [deleted] = await this.connection.together([
        (send) => send(key, ['DEL', key]),
        (send) => send(index, ['ZREM', index, token])
      ])
      return Number(deleted) > 0
    }
    // The script writes only over an entry that exists and re-scores only a member still listed (XX),
    // so an update racing a delete never brings the entry back.
    const lastUse = lastUseOf(subject)
    const keys = this.connection.cluster ? [key] : [key, index]
    const replaced = await this.connection.run(REPLACE_ENTRY, keys, [token, lastUse, String(expiresAt), ...fields])
    // On a cluster a read could slip in between the two commands and keep the old entry.
    this.cache?.forget(key)
    if (Number(replaced) !== 1) return false
    if (this.connection.cluster) await this.connection.run(RESCORE, [index], [token, lastUse, String(expiresAt)])
    return true
  }

  async patch(token: string, category: string, fields: EngineSubject, expectedVersion?: number): Promise<boolean> {
    const now = Date.now()
    const key = this.entryKey(token)
    const expiresAt = Object.hasOwn(fields, 'expiresAt') ? this.expiryOf(fields, now) : undefined
    const indexOf = (of: string) => this.indexKey(of)
    this.cache?.forget(key)
    try {
      const patch = { token, category, fields, expectedVersion, expiresAt, key, index: indexOf(category), indexOf }
      return await patchEntry(this.connection, patch, now)
    } finally {
      // On a cluster a read could slip in between the script and the re-score and keep the old entry.
      this.cache?.forget(key)
    }
  }

  async getAll(category: string): Promise<Record<string, EngineSubject>> {
    const now = Date.now()
    const index = this.indexKey(category)
    const tokens = await this.members(index, ['0', '-1'])
    const entries = await Promise.all(tokens.map((token) => readEntry(this.connection, this.entryKey(token))))
    const all: [string, EngineSubject][] = []
    const dead: string[] = []
    tokens.forEach((token, position) => {
      const entry = entries[position]
      if (!entry || entry.category !== category) dead.push(token)
      else if (isLive(entry.subject, now)) all.push([token, entry.subject])
    })
    if (dead.length > 0) await this.connection.send(index, ['ZREM', index, ...dead])
    // fromEntries defines own properties: a key such as "__proto__" stays data.
    return Object.fromEntries(all)
  }

  async delete(token: string, category?: string): Promise<void> {
    const key = this.entryKey(token)
    this.cache?.forget(key)
    if (category === undefined) {
      const entry = decodeTaken(await this.connection.run(TAKE_ENTRY, [key], []))
      if (entry) await this.unindex(token, entry.category)
      return
    }
    const index = this.indexKey(category)
    await this.connection.together([
      (send) => send(key, ['DEL', key]),
      (send) => send(index, ['ZREM', index, token]),
      ...this.acknowledged([key, index])
    ])
  }

  async deleteAll(category: string, keepToken?: string): Promise<void> {
    const index = this.indexKey(category)
    this.cache?.forgetCategory(category)
    if (!this.connection.cluster) {
      const keep = keepToken === undefined ? [] : [keepToken]
      await this.connection.together([
        (send) => runScript(send, DELETE_ALL, [index], [this.entryKey(''), ...keep]),
        ...this.acknowledged([index])
      ])
      return
    }
    // On a cluster the entries lie in other slots than their index, so no one script can reach them:
    // read the index, delete the entries (pipelined per master, all masters at once), then drop their
    // members, only once the entries are surely gone.
    const tokens = (await this.members(index, ['0', '-1'])).filter((token) => token !== keepToken)
    if (tokens.length === 0) return
    const keys = tokens.map((token) => this.entryKey(token))
    await Promise.all(keys.map((key) => this.connection.send(key, ['UNLINK', key])))
    this.cache?.forgetCategory(category)
    await this.connection.together([(send) => send(index, ['ZREM', index, ...tokens]), ...this.acknowledged([index])])
    await Promise.all(this.acknowledged(keys).map((step) => step((key, args) => this.connection.send(key, args))))
  }

  /**
   * Removes every entry of the categories that start with `prefix`: `SCAN` over this identifier's index
   * keys on every master, then each category as `deleteAll` removes it (never on a request path).
   */
  async deleteByCategoryPrefix(prefix: string): Promise<void> {
    const indexPrefix = this.indexKey('')
    await this.connection.scanMatching(`${escapeGlob(indexPrefix + prefix)}*`, async (keys) => {
      for (const key of keys) await this.deleteAll(key.slice(indexPrefix.length))
    })
  }

  /** Removes every key under this engine's identifier, with `SCAN` on every master (never on a request path). */
  async clear(): Promise<void> {
    this.cache?.clear()
    await this.connection.unlinkMatching(`${escapeGlob(this.identifier)}:[ti]:*`)
  }

  private entryKey(token: string): string {
    return `${this.identifier}:t:${token}`
  }

  private indexKey(category: string): string {
    return `${this.identifier}:i:${category}`
  }

  private async members(index: string, range: string[]): Promise<string[]> {
    return ((await this.connection.send(index, ['ZRANGE', index, ...range])) as unknown[]).map(text)
  }

  private async unindex(token: string, category: string): Promise<void> {
    const index = this.indexKey(category)
    await this.connection.send(index, ['ZREM', index, token])
  }

  /** Drops the member an entry set under a new category left in its old category's index. */
  private async unindexMoved(token: string, category: string, previous: unknown): Promise<void> {
    const moved = decodeTaken(previous)
    if (moved && moved.category !== category) await this.unindex(token, moved.category)
  }

  /** The entry prefix INDEX prunes members under: on a single node only (other slots on a cluster). */
  private prunePrefix(): string {
    return this.connection.cluster ? '' : this.entryKey('')
  }

  private acknowledged(keys: string[]): Step[] {
    return replicaAcknowledgements(this.connection, this.replicas, this.replicaTimeout, keys)
  }

  private expiryOf(subject: EngineSubject, now: number): number {
    const { expiresAt } = subject
    return typeof expiresAt === 'number' && Number.isFinite(expiresAt)
      ? Math.ceil(expiresAt)
      : now + this.expireAfter * 1_000
  }

  private async open(): Promise<void> {
    await (this.ownClient ? connectOwnClient(this.ownClient) : this.connection.connect())
    if (!this.allowEviction) await refuseEvictingPolicy(this.connection)
  }
}

function isLive(subject: EngineSubject, now: number): boolean {
  return !(typeof subject.expiresAt === 'number' && subject.expiresAt <= now)
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&')
}
