import { MemoryEngine, type SessionEngine } from '../../src'
import { PostgresEngine } from '../../src/postgres'
import { RedisEngine } from '../../src/redis'
import { PostgresServer, requirePostgresServer } from './postgresServer'
import { RedisServer, requireRedisServer } from './redisServer'
import { sqliteTestbed } from './sqliteFiles'

/** An engine the tests of a file run on, ready once the file's `beforeAll` has run. */
export interface MatrixEngine {
  name: string
  engine: () => SessionEngine
}

/**
 * The memory engine, a SqliteEngine on a file of its own, a RedisEngine on a redis-server of this file's
 * own and a PostgresEngine on a PostgreSQL server of its own, each server started once per file. Call at the top of a test file (the
 * preflight has made sure both servers are here, see `requireRedisServer` and `requirePostgresServer`).
 */
export function engineMatrix(): MatrixEngine[] {
  const memory = new MemoryEngine()
  const engines: MatrixEngine[] = [{ name: 'memory', engine: () => memory }]
  afterAll(() => memory.release())
  const sqlite = sqliteTestbed().newEngine()
  engines.push({ name: 'SQLite', engine: () => sqlite })
  if (requireRedisServer()) {
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
  }
  if (requirePostgresServer()) {
    let server: PostgresServer | undefined
    let postgres: PostgresEngine | undefined
    beforeAll(async () => {
      server = await PostgresServer.start()
      postgres = new PostgresEngine({ connectionString: server.connectionString })
      await postgres.prepare()
    })
    afterAll(async () => {
      await postgres?.release()
      await server?.destroy()
    })
    engines.push({ name: 'PostgreSQL', engine: () => postgres! })
  }
  return engines
}
