import type { Engine, SessionEngine } from './engine'
import { invalidOption } from './errors'
import { MemoryEngine } from './engines/memory/MemoryEngine'

// Variables, not literals: bundlers must leave the Redis, PostgreSQL and SQLite entries (and their clients) out
// of the core.
const REDIS_ENTRY = 'express-session-registry/redis'
const POSTGRES_ENTRY = 'express-session-registry/postgres'
const SQLITE_ENTRY = 'express-session-registry/sqlite'
// An optional peer dependency, loaded only for an engine name that is not one of ours.
const TOKEN_REGISTRY = '@universal-packages/token-registry'

/** The client package each engine built by name needs: an optional peer dependency the app installs. */
const ENGINE_PEERS: Readonly<Record<string, string>> = { redis: 'redis', postgres: 'pg', sqlite: 'better-sqlite3' }

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

interface TokenRegistryModule {
  Registry: new (options: { engine: string; engineOptions?: Record<string, unknown> }) => { engine: unknown }
}

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
    return withPeer(
      engine,
      import(REDIS_ENTRY) as Promise<RedisEntry>,
      ({ RedisEngine }) => new RedisEngine(engineOptions)
    )
  }
  if (engine === 'postgres') {
    return withPeer(
      engine,
      import(POSTGRES_ENTRY) as Promise<PostgresEntry>,
      ({ PostgresEngine }) => new PostgresEngine(engineOptions)
    )
  }
  if (engine === 'sqlite') {
    return withPeer(
      engine,
      import(SQLITE_ENTRY) as Promise<SqliteEntry>,
      ({ SqliteEngine }) => new SqliteEngine(engineOptions)
    )
  }
  const { Registry } = loadTokenRegistry(engine)
  try {
    return new Registry({ engine, engineOptions }).engine as SessionEngine
  } catch (error) {
    throw Object.assign(invalidOption('engine', engine, 'an installed token-registry engine name'), { cause: error })
  }
}

/** Builds an engine from its entry, naming the package to install when the engine's client is missing. */
async function withPeer<E>(
  name: string,
  entry: Promise<E>,
  build: (entry: E) => SessionEngine
): Promise<SessionEngine> {
  try {
    return build(await entry)
  } catch (error) {
    const peer = ENGINE_PEERS[name]
    if (peer !== undefined && isMissingModule(error, peer)) {
      throw new Error(`engine "${name}" needs the package "${peer}", which is not installed: npm install ${peer}`, {
        cause: error
      })
    }
    throw error
  }
}

function loadTokenRegistry(engine: string): TokenRegistryModule {
  let loaded: TokenRegistryModule | { default: TokenRegistryModule }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(TOKEN_REGISTRY) as TokenRegistryModule | { default: TokenRegistryModule }
  } catch (error) {
    if (!isMissingModule(error, TOKEN_REGISTRY)) throw error
    throw Object.assign(
      invalidOption(
        'engine',
        engine,
        `"memory", "redis", "postgres", "sqlite", an engine object, or the name of a token-registry engine once ${TOKEN_REGISTRY} is installed (npm install ${TOKEN_REGISTRY})`
      ),
      { cause: error }
    )
  }
  // The token registry is CommonJS; through an ES module build its exports may sit under `default`.
  return 'Registry' in loaded ? loaded : loaded.default
}

/** Whether `error` is Node's "cannot find module" for the package `name` itself. */
export function isMissingModule(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as NodeJS.ErrnoException).code
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    (error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`))
  )
}
