import { join } from 'node:path'
import { ROOT } from './appProcess'
import { PostgresServer } from './postgresServer'
import { RedisServer } from './redisServer'

/** A shared store: its server, and the source line that builds `engine` on it in an app process. */
export interface SharedStore {
  engineSource: string
  stop(): Promise<void>
}

/** A starter of a fresh redis-server, for app processes whose RedisEngine takes `engineOptions`. */
export const redisStore =
  (engineOptions: object = {}) =>
  async (): Promise<SharedStore> => {
    const server = await RedisServer.start()
    return {
      engineSource: `const { RedisEngine } = require(${JSON.stringify(join(ROOT, 'src/redis.ts'))})
      const engine = new RedisEngine({ port: ${server.port}, ...${JSON.stringify(engineOptions)} })`,
      stop: () => server.stop()
    }
  }

/** Starts a throwaway PostgreSQL for app processes with a PostgresEngine. */
export async function postgresStore(): Promise<SharedStore> {
  const server = await PostgresServer.start()
  return {
    engineSource: `const { PostgresEngine } = require(${JSON.stringify(join(ROOT, 'src/postgres.ts'))})
      const engine = new PostgresEngine({ connectionString: ${JSON.stringify(server.connectionString)} })`,
    stop: () => server.destroy()
  }
}
