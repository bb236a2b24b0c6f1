import { invalidOption, rejectUnknownOptions } from '../../engine'
import type { RedisAdapter } from './adapter'
import { CONNECT_REDIS_HINTS } from './migration'
import { NODE_REDIS_CLIENT_OPTIONS, type NodeRedisClientOptions } from './optionNames'
import { adapterFor, type SupportedRedisClient } from './detect'
import { readLocalCacheOptions, type LocalCacheConfig, type LocalCacheOptions } from './localCache'
import { NodeRedisClientAdapter } from './nodeRedis'
import { createOwnClient, globalValue, type OwnedClient } from './ownClient'

/** Options of {@link RedisEngine}: every node-redis `createClient` option, plus the ones below. */
export interface RedisEngineOptions extends NodeRedisClientOptions {
  /** Host of the client the engine creates (shorthand for `socket.host`). @default 'localhost' */
  host?: string
  /** Port of the client the engine creates (shorthand for `socket.port`). @default 6379 */
  port?: number
  /**
   * A client to use instead of creating one: node-redis 4+ `createClient`, `createCluster` or
   * `createSentinel`, or an ioredis 5+ / iovalkey `Redis` (with or without `sentinels`) or `Cluster`.
   * The app connects (or lets the engine connect) and closes it.
   */
  client?: SupportedRedisClient
  /** Name of a global variable holding the client to use, as `client` does. */
  globalClient?: string
  /** Prefix of every key the engine writes. @default 'universal-registry' */
  identifier?: string
  /** Lifetime, in seconds, of an entry whose subject has no `expiresAt` of its own. @default 2_592_000 (30 days) */
  expireAfter?: number
  /** Milliseconds after which a command Redis has not answered fails; `Infinity` waits forever. @default 1_000 */
  commandTimeout?: number
  /**
   * Replicas that must acknowledge a log in or a log out (`WAIT`) before it resolves, so that a failover
   * neither loses the session nor brings a revoked one back. @default 0 (the master's word is enough)
   */
  replicas?: number
  /** Milliseconds a write waits for `replicas` acknowledgements before it fails; below `commandTimeout`. @default 500 */
  replicaTimeout?: number
  /** Accept a Redis whose `maxmemory-policy` may evict the engine's keys (see `prepare()`). @default false */
  allowEviction?: boolean
  /**
   * Keeps up to `maxEntries` sessions in process, kept right by Redis client tracking (Redis 6 or later):
   * a hit sends no command, and a change or sign-out on any instance reaches every other one within a
   * round trip, and is never missed for longer than `maxStaleness` (1 s by default), even over a link
   * that froze. node-redis clients and cluster clients only. @default off
   */
  localCache?: LocalCacheOptions
}

const DEFAULT_IDENTIFIER = 'universal-registry'
const DEFAULT_EXPIRE_AFTER_S = 30 * 24 * 60 * 60
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000
const DEFAULT_REPLICA_TIMEOUT_MS = 500

/** The options of a {@link RedisEngine}, checked, with their defaults, and the client it talks through. */
export interface RedisEngineConfig {
  identifier: string
  expireAfter: number
  commandTimeout: number
  replicas: number
  replicaTimeout: number
  allowEviction: boolean
  localCache: LocalCacheConfig | undefined
  adapter: RedisAdapter
  /** The client the engine created, when it was not given one. */
  ownClient: OwnedClient | undefined
}

// Typed against the options interface minus node-redis's names: an option added there and not here fails to compile.
const REDIS_ENGINE_OWN_OPTIONS: Record<
  Exclude<keyof RedisEngineOptions, (typeof NODE_REDIS_CLIENT_OPTIONS)[number]>,
  true
> = {
  host: true,
  port: true,
  client: true,
  globalClient: true,
  identifier: true,
  expireAfter: true,
  commandTimeout: true,
  replicas: true,
  replicaTimeout: true,
  allowEviction: true,
  localCache: true
}

/** Every option `RedisEngine` takes: its own and node-redis `createClient`'s. */
const REDIS_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(REDIS_ENGINE_OWN_OPTIONS),
  ...NODE_REDIS_CLIENT_OPTIONS
])

/** Checks the options (a `TypeError` naming the first bad one) and picks or creates the client. */
export function resolveRedisOptions(options: RedisEngineOptions | undefined): RedisEngineConfig {
  // The other options go to createClient, which ignores what it does not know: typos and connect-redis's names would vanish.
  rejectUnknownOptions('RedisEngine', options ?? {}, REDIS_ENGINE_OPTION_NAMES, CONNECT_REDIS_HINTS)
  const {
    host,
    port,
    client,
    globalClient,
    identifier = DEFAULT_IDENTIFIER,
    expireAfter = DEFAULT_EXPIRE_AFTER_S,
    commandTimeout = DEFAULT_COMMAND_TIMEOUT_MS,
    replicas = 0,
    replicaTimeout = DEFAULT_REPLICA_TIMEOUT_MS,
    allowEviction = false,
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
  if (!(Number.isInteger(replicas) && replicas >= 0)) throw invalidOption('replicas', replicas, 'a whole number ≥ 0')
  if (replicas > 0 && !(Number.isInteger(replicaTimeout) && replicaTimeout > 0 && replicaTimeout < commandTimeout)) {
    throw invalidOption('replicaTimeout', replicaTimeout, `a whole number of milliseconds below commandTimeout`)
  }
  if (typeof allowEviction !== 'boolean') throw invalidOption('allowEviction', allowEviction, 'a boolean')
  if (host !== undefined && typeof host !== 'string') throw invalidOption('host', host, 'a string')
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65_536)) {
    throw invalidOption('port', port, 'a port number')
  }
  if (client !== undefined && globalClient !== undefined) {
    throw invalidOption('globalClient', globalClient, 'left out when "client" is given')
  }

  const common = {
    identifier,
    expireAfter,
    commandTimeout,
    replicas,
    replicaTimeout,
    allowEviction,
    localCache: readLocalCacheOptions(localCache)
  }
  if (client !== undefined) return { ...common, adapter: adapterFor(client, 'client'), ownClient: undefined }
  if (globalClient !== undefined) {
    return { ...common, adapter: adapterFor(globalValue(globalClient), 'globalClient'), ownClient: undefined }
  }
  const ownClient = createOwnClient(clientOptions, host, port)
  return { ...common, adapter: new NodeRedisClientAdapter(ownClient), ownClient }
}
