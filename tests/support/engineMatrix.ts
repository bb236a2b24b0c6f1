import { MemoryEngine, type SessionEngine } from '../../src'
import { RedisEngine } from '../../src/redis'
import { RedisServer, requireRedisServer } from './redisServer'

/** An engine the tests of a file run on, ready once the file's `beforeAll` has run. */
export interface MatrixEngine {
  name: string
  engine: () => SessionEngine
}

/**
 * The memory engine and a RedisEngine on a redis-server of this file's own, started once per file. Call
 * at the top of a test file (the preflight has made sure redis-server is here, see `requireRedisServer`).
 */
export function engineMatrix(): MatrixEngine[] {
  const memory = new MemoryEngine()
  const engines: MatrixEngine[] = [{ name: 'memory', engine: () => memory }]
  afterAll(() => memory.release())
  if (!requireRedisServer()) return engines
  let server: RedisServer | undefined
  let redis: RedisEngine | undefined
  beforeAll(async () => {
    server = await RedisServer.start()
    redis = new RedisEngine({ port: server.port })
  })
  afterAll(async () => {
    await redis?.release()
    await server?.stop()
  })
  engines.push({ name: 'Redis', engine: () => redis! })
  return engines
}
