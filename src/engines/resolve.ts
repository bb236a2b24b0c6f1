import * as tokenRegistry from '@universal-packages/token-registry'
import type { Engine, SessionEngine } from '../engine'
import { invalidOption } from '../errors'
import { MemoryEngine } from './MemoryEngine'

// A variable, not a literal: bundlers must leave the Redis entry (and the redis client) out of the core.
const REDIS_ENTRY = 'express-session-registry/redis'

interface RedisEntry {
  RedisEngine: new (options?: Record<string, unknown>) => SessionEngine
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
 * `'memory'` (the shared MemoryEngine, or one of its own when `engineOptions` are given) and `'redis'`
 * (our RedisEngine, loaded only when asked for).
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
  try {
    return new Registry({ engine, engineOptions }).engine as SessionEngine
  } catch (error) {
    throw Object.assign(invalidOption('engine', engine, 'an installed token-registry engine name'), { cause: error })
  }
}
