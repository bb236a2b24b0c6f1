import { once } from 'node:events'
import { createClient, type RedisClientOptions } from 'redis'
import type { EngineSubject, SessionEngine } from '../engine'
import { invalidOption } from '../errors'
import { CONNECT_REDIS_HINTS, rejectMigratedOptions } from '../optionNames'
import { decodeEntry, encodeEntry } from './redis/codec'
import { isRedisClient, RedisConnection, text, type RedisClientLike, type RedisClusterLike } from './redis/connection'
import { LocalCache, readLocalCacheOptions, type LocalCacheOptions, type LocalCacheState } from './redis/localCache'
import { DELETE_ALL, INDEX, REINDEX } from './redis/scripts'
import { assertTrackable } from './redis/tracking'

/** Options of {@link RedisEngine}: every node-redis `createClient` option, plus the ones below. */
export interface RedisEngineOptions extends RedisClientOptions {
  /** Host of the client the engine creates (shorthand for `socket.host`). @default 'localhost' */
  host?: string
  /** Port of the client the engine creates (shorthand for `socket.port`). @default 6379 */
  port?: number
  /** A node-redis client or cluster client (v4 or later) to use instead of creating one; the app connects and closes it. */
  client?: RedisClientLike | RedisClusterLike
  /** Name of a global variable holding the client to use, as `client` does. */
  globalClient?: string
  /** Prefix of every key the engine writes. @default 'universal-registry' */
  identifier?: string
  /** Lifetime, in seconds, of an entry whose subject has no `expiresAt` of its own. @default 2_592_000 (30 days) */
  expireAfter?: number
  /** Milliseconds after which a command Redis has not answered fails; `Infinity` waits forever. @default 1_000 */
  commandTimeout?: number
  /**
   * Keeps up to `maxEntries` sessions in process, kept right by Redis client tracking (Redis 6 or later):
   * a hit sends no command, and a change or sign-out on any instance reaches every other one within a
   * round trip. @default off
   */
  localCache?: LocalCacheOptions
}

/** The client the engine creates, as far as it starts and stops it (node-redis v4 has no `close`/`destroy`). */
interface OwnedClient extends RedisClientLike {
  readonly isReady: boolean
  on(event: 'error', listener: (error: Error) => void): unknown
  close?(): Promise<unknown>
  destroy?(): unknown
  quit(): Promise<unknown>
  disconnect(): Promise<unknown>
}

const DEFAULT_IDENTIFIER = 'universal-registry'
const DEFAULT_EXPIRE_AFTER_S = 30 * 24 * 60 * 60
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000
const CONNECT_TIMEOUT_MS = 1_000
const MAX_RECONNECT_DELAY_MS = 500

/**
 * The Redis engine: sessions shared by every app instance, on standalone Redis or Redis Cluster.
 *
 * Tokens reach Redis only as exact key names and script arguments, never inside a pattern. Each entry
 * is one string key with a native TTL (the subject's `expiresAt`); a sorted set per category, scored by
 * expiry, lists its entries, so `getAll` and `deleteAll` never scan. Reading a session is one `GET`.
 */
export class RedisEngine implements SessionEngine {
  /** The client commands go through: the one passed in, or the one the engine created. */
  readonly client: RedisClientLike | RedisClusterLike
  /** Prefix of every key. */
  readonly identifier: string
  /** Lifetime in seconds of an entry without `expiresAt`. */
  readonly expireAfter: number

  /** The in-process cache (`localCache`), or `undefined` when off. */
  readonly localCache: LocalCacheState | undefined

  private readonly connection: RedisConnection
  private readonly cache: LocalCache | undefined
  private readonly ownsClient: boolean
  private preparing: Promise<void> | undefined

  constructor(options?: RedisEngineOptions) {
    // The other options go to createClient, which ignores what it does not know: connect-redis's names would vanish.
    rejectMigratedOptions('RedisEngine', options ?? {}, CONNECT_REDIS_HINTS)
    const {
      host,
      port,
      client,
      globalClient,
      identifier = DEFAULT_IDENTIFIER,
      expireAfter = DEFAULT_EXPIRE_AFTER_S,
      commandTimeout = DEFAULT_COMMAND_TIMEOUT_MS,
      localCache,
      ...clientOptions
    } = options ?? {}
    if (typeof identifier !== 'string') throw invalidOption('identifier', identifier, 'a string')
    if (!(typeof expireAfter === 'number' && Number.isFinite(expireAfter) && expireAfter > 0)) {
      throw invalidOption('expireAfter', expireAfter, 'a positive number of seconds')
    }
    if (!(typeof commandTimeout === 'number' && commandTimeout > 0)) {
      throw invalidOption('commandTimeout', commandTimeout, 'a positive number of milliseconds, or Infinity')
    }
    if (host !== undefined && typeof host !== 'string') throw invalidOption('host', host, 'a string')
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65_536)) {
      throw invalidOption('port', port, 'a port number')
    }
    if (client !== undefined && !isRedisClient(client)) throw invalidOption('client', client, 'a node-redis client')
    if (client !== undefined && globalClient !== undefined) {
      throw invalidOption('globalClient', globalClient, 'left out when "client" is given')
    }

    this.identifier = identifier
    this.expireAfter = expireAfter
    const existing = client ?? (globalClient === undefined ? undefined : clientFromGlobal(globalClient))
    this.ownsClient = existing === undefined
    this.client = existing ?? ownClient(clientOptions, host, port)
    this.connection = new RedisConnection(this.client, commandTimeout)
    const cacheOptions = readLocalCacheOptions(localCache)
    if (cacheOptions) assertTrackable(this.client)
    this.cache = cacheOptions && new LocalCache(this.client, this.entryKey(''), cacheOptions.maxEntries)
    this.localCache = this.cache
  }

  /**
   * Connects, once: concurrent and repeated calls share one connection. A client the engine created
   * keeps reconnecting in the background, so a Redis that is down at start fails this call (and the
   * commands after it) at once instead of holding them, and is used as soon as it is back.
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
    if (!this.ownsClient || !this.client.isOpen) return
    const client = this.client as OwnedClient
    if (!client.isReady) {
      // Reconnecting: there is nothing to flush, and QUIT would be refused by the disabled offline queue.
      await (client.destroy ? client.destroy() : client.disconnect())
    } else {
      await (client.close ? client.close() : client.quit())
    }
  }

  async get(token: string): Promise<EngineSubject | undefined> {
    const key = this.entryKey(token)
    const read = async () => decodeEntry(await this.connection.send(key, ['GET', key]))
    const entry = this.cache ? (this.cache.lookup(key) ?? (await this.cache.load(key, read))) : await read()
    return entry && isLive(entry.subject, Date.now()) ? entry.subject : undefined
  }

  async set(token: string, category: string, subject: EngineSubject): Promise<void> {
    const now = Date.now()
    const expiresAt = this.expiryOf(subject, now)
    const value = encodeEntry(category, subject)
    if (expiresAt <= now) return this.delete(token)
    const key = this.entryKey(token)
    this.cache?.forget(key)
    // The entry is written before its index member, so that a concurrent deleteAll either sees the
    // member and deletes the entry, or misses both: never an entry that no index lists.
    const [previous] = await this.connection.inOrder([
      () => this.connection.send(key, ['SET', key, value, 'PXAT', String(expiresAt), 'GET']),
      () => this.connection.run(INDEX, [this.indexKey(category)], [token, String(expiresAt), String(now)])
    ])
    const moved = decodeEntry(previous)
    if (moved && moved.category !== category) await this.unindex(token, moved.category)
  }

  async update(token: string, category: string, subject: EngineSubject): Promise<boolean> {
    const now = Date.now()
    const expiresAt = this.expiryOf(subject, now)
    const value = encodeEntry(category, subject)
    const key = this.entryKey(token)
    this.cache?.forget(key)
    if (expiresAt <= now) {
      const [deleted] = await this.connection.inOrder([
        () => this.connection.send(key, ['DEL', key]),
        () => this.unindex(token, category)
      ])
      return Number(deleted) > 0
    }
    // XX writes only over a live entry, and REINDEX only re-scores a member still listed, so an update
    // racing a delete never brings the entry back. The index goes first: an entry whose write failed
    // leaves at worst a member scored too late, never a live entry whose member is pruned too early.
    const [, stored] = await this.connection.inOrder([
      () => this.connection.run(REINDEX, [this.indexKey(category)], [token, String(expiresAt), String(now)]),
      () => this.connection.send(key, ['SET', key, value, 'PXAT', String(expiresAt), 'XX'])
    ])
    // On a cluster a read could slip in between the two commands and keep the old entry.
    this.cache?.forget(key)
    return stored !== null
  }

  async getAll(category: string): Promise<Record<string, EngineSubject>> {
    const now = Date.now()
    const index = this.indexKey(category)
    const tokens = await this.members(index, [`(${now}`, '+inf', 'BYSCORE'])
    const replies = await Promise.all(
      tokens.map((token) => this.connection.send(this.entryKey(token), ['GET', this.entryKey(token)]))
    )
    const all: [string, EngineSubject][] = []
    const dead: string[] = []
    tokens.forEach((token, position) => {
      const entry = decodeEntry(replies[position])
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
      const entry = decodeEntry(await this.connection.send(key, ['GETDEL', key]))
      if (entry) await this.unindex(token, entry.category)
      return
    }
    await this.connection.inOrder([() => this.connection.send(key, ['DEL', key]), () => this.unindex(token, category)])
  }

  async deleteAll(category: string, keepToken?: string): Promise<void> {
    const index = this.indexKey(category)
    this.cache?.forgetCategory(category)
    if (!this.connection.cluster) {
      const keep = keepToken === undefined ? [] : [keepToken]
      await this.connection.run(DELETE_ALL, [index], [this.entryKey(''), ...keep])
      return
    }
    // On a cluster the entries lie in other slots than their index, so no one script can reach them:
    // read the index, delete the entries (node-redis pipelines them per master, all masters at once),
    // then drop their members, only once the entries are surely gone.
    const tokens = (await this.members(index, ['0', '-1'])).filter((token) => token !== keepToken)
    if (tokens.length === 0) return
    await Promise.all(
      tokens.map((token) => this.connection.send(this.entryKey(token), ['UNLINK', this.entryKey(token)]))
    )
    this.cache?.forgetCategory(category)
    await this.connection.send(index, ['ZREM', index, ...tokens])
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

  private expiryOf(subject: EngineSubject, now: number): number {
    const { expiresAt } = subject
    return typeof expiresAt === 'number' && Number.isFinite(expiresAt)
      ? Math.ceil(expiresAt)
      : now + this.expireAfter * 1_000
  }

  private async open(): Promise<void> {
    if (this.client.isOpen) return
    const connected = this.client.connect()
    if (!this.ownsClient) {
      await connected
      return
    }
    // The first refusal fails prepare() with the client's error; the client keeps retrying on its own.
    connected.catch(() => undefined)
    const abort = new AbortController()
    const refused = once(this.client as OwnedClient & NodeJS.EventEmitter, 'error', { signal: abort.signal }).then(
      ([error]: unknown[]) => Promise.reject(error)
    )
    await Promise.race([connected, refused]).finally(() => abort.abort())
  }
}

function clientFromGlobal(name: string): RedisClientLike | RedisClusterLike {
  const value = typeof name === 'string' ? (globalThis as Record<string, unknown>)[name] : undefined
  if (!isRedisClient(value))
    throw invalidOption('globalClient', name, 'the name of a global holding a node-redis client')
  return value
}

function ownClient(options: RedisClientOptions, host: string | undefined, port: number | undefined): OwnedClient {
  const client = createClient({
    ...options,
    // Without the offline queue a command sent while Redis is unreachable fails at once instead of
    // waiting, with the request, for a reconnection that may never come.
    disableOfflineQueue: options.disableOfflineQueue ?? true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
      ...options.socket
    } as RedisClientOptions['socket']
  }) as unknown as OwnedClient
  // Socket errors are reported through the commands that fail; unheard, they would crash the process.
  client.on('error', () => undefined)
  return client
}

function isLive(subject: EngineSubject, now: number): boolean {
  return !(typeof subject.expiresAt === 'number' && subject.expiresAt <= now)
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&')
}
