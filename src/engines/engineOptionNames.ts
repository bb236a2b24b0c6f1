import type { MemoryEngineOptions } from './MemoryEngine'
import type { PostgresEngineOptions } from './PostgresEngine'
import type { RedisEngineOptions } from './redis/options'

// The option names each engine takes, so that a misspelt or borrowed name is a TypeError at construction
// instead of an option silently ignored (node-redis and pg drop what they do not know).

// node-redis `createClient` options, v4 to the current major (`legacyMode` and `isolationPoolOptions` are v4's).
const NODE_REDIS_CLIENT_OPTIONS = [
  'url',
  'socket',
  'username',
  'password',
  'credentialsProvider',
  'name',
  'database',
  'modules',
  'scripts',
  'functions',
  'keyPrefix',
  'commandsQueueMaxLength',
  'disableOfflineQueue',
  'readonly',
  'pingInterval',
  'disableClientInfo',
  'clientInfoTag',
  'clientSideCache',
  'commandOptions',
  'emitInvalidate',
  'himportRegistry',
  'maintEndpointType',
  'maintNotifications',
  'maintRelaxedCommandTimeout',
  'maintRelaxedSocketTimeout',
  'RESP',
  'legacyMode',
  'isolationPoolOptions'
] as const

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
export const REDIS_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(REDIS_ENGINE_OWN_OPTIONS),
  ...NODE_REDIS_CLIENT_OPTIONS
])

// Typed against the options interface (its own names and `pg.Pool`'s), so the list stays complete.
const POSTGRES_ENGINE_OPTIONS: Record<keyof PostgresEngineOptions, true> = {
  pool: true,
  schema: true,
  table: true,
  createTable: true,
  statementTimeout: true,
  sweepInterval: true,
  sweepBatchSize: true,
  Client: true,
  Promise: true,
  allowExitOnIdle: true,
  application_name: true,
  client_encoding: true,
  connectionString: true,
  connectionTimeoutMillis: true,
  database: true,
  enableChannelBinding: true,
  fallback_application_name: true,
  host: true,
  idleTimeoutMillis: true,
  idle_in_transaction_session_timeout: true,
  keepAlive: true,
  keepAliveInitialDelayMillis: true,
  lock_timeout: true,
  log: true,
  max: true,
  maxLifetimeSeconds: true,
  maxUses: true,
  min: true,
  onConnect: true,
  options: true,
  password: true,
  pipeline: true,
  port: true,
  query_timeout: true,
  ssl: true,
  sslnegotiation: true,
  statement_timeout: true,
  stream: true,
  types: true,
  user: true,
  verify: true
}

/** Every option `PostgresEngine` takes: its own and `pg.Pool`'s. */
export const POSTGRES_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(POSTGRES_ENGINE_OPTIONS))

const MEMORY_ENGINE_OPTIONS: Record<keyof MemoryEngineOptions, true> = { maxSessions: true, sweepInterval: true }

/** Every option `MemoryEngine` takes. */
export const MEMORY_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(MEMORY_ENGINE_OPTIONS))
