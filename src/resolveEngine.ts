import * as tokenRegistry from '@universal-packages/token-registry'
import type { Engine, SessionEngine } from './engine'
import { invalidOption } from './errors'
import { MemoryEngine } from './engines/memory/MemoryEngine'

// Variables, not literals: bundlers must leave the Redis, PostgreSQL and SQLite entries (and their clients) out
// of the core.
const REDIS_ENTRY = 'express-session-registry/redis'
const POSTGRES_ENTRY = 'express-session-registry/postgres'
const SQLITE_ENTRY = 'express-session-registry/sqlite'

type EngineClass = new (options?: Record<string, unknown>) => SessionEngine

interface RedisEntry {
  RedisEngine: EngineClass
}

interface PostgresEntry {
  PostgresEngine: EngineClass
}

interface SqliteEntry {
  SqliteEngine: EngineClass
}

// The token registry is CommonJS, and Node's ES module loader cannot see its named exports: there they
// sit under `default`.
const { Registry } =
  'Registry' in tokenRegistry ? tokenRegistry : (tokenRegistry as unknown as { default: typeof tokenRegistry }).default

let sharedMemoryEngine: MemoryEngine | undefined

/** The process-wide engine behind `engine: 'memory'`. */
export function getSharedMemoryEngine(): MemoryEngine {
  sharedMemoryEngine ??= new MemoryEngine()
  return sharedMemoryEngine
}

/**
 * Turns the `engine` option into an engine. Names are resolved as the token registry does, except
 * `'memory'` (the shared MemoryEngine, or one of its own when `engineOptions` are given), `'redis'`,
 * `'postgres'` and `'sqlite'` (our RedisEngine, PostgresEngine and SqliteEngine, each loaded only when
 * asked for).
 */
export function resolveEngine(
  engine: string | Engine,
  engineOptions: Record<string, unknown> | undefined
): SessionEngine | Promise<SessionEngine> {
  if (typeof engine !== 'string') return engine as SessionEngine
  if (engine === 'memory') return engineOptions ? new MemoryEngine(engineOptions) : getSharedMemoryEngine()
  if (engine === 'redis') {
    return (import(REDIS_ENTRY) as Promise<RedisEntry>).then(({ RedisEngine }) => new RedisEngine(engineOptions))
  }
  if (engine === 'postgres') {
    return (import(POSTGRES_ENTRY) as Promise<PostgresEntry>).then(
      ({ PostgresEngine }) => new PostgresEngine(engineOptions)
    )
  }
  if (engine === 'sqlite') {
    return (import(SQLITE_ENTRY) as Promise<SqliteEntry>).then(({ SqliteEngine }) => new SqliteEngine(engineOptions))
  }
  try {
    return new Registry({ engine, engineOptions }).engine as SessionEngine
  } catch (error) {
    throw Object.assign(invalidOption('engine', engine, 'an installed token-registry engine name'), { cause: error })
  }
}
