// Two app instances in separate processes sharing one engine, on every engine that can be shared.
import { join } from 'node:path'
import { AppProcess, ROOT } from '../support/appProcess'
import { appSource } from '../support/sharedApp'
import { describeWithPostgres, PostgresServer } from '../support/postgresServer'
import { describeWithRedis, RedisServer } from '../support/redisServer'

/** A shared store: its server, and the source line that builds `engine` on it in an app process. */
interface SharedStore {
  engineSource: string
  stop(): Promise<void>
}

const redis = async (): Promise<SharedStore> => {
  const server = await RedisServer.start()
  return {
    engineSource: `const { RedisEngine } = require(${JSON.stringify(join(ROOT, 'src/redis.ts'))})
      const engine = new RedisEngine({ port: ${server.port} })`,
    stop: () => server.stop()
  }
}

const postgres = async (): Promise<SharedStore> => {
  const server = await PostgresServer.start()
  return {
    engineSource: `const { PostgresEngine } = require(${JSON.stringify(join(ROOT, 'src/postgres.ts'))})
      const engine = new PostgresEngine({ connectionString: ${JSON.stringify(server.connectionString)} })`,
    stop: () => server.destroy()
  }
}

describe.each([
  ['Redis', describeWithRedis, redis],
  ['PostgreSQL', describeWithPostgres, postgres]
] as const)('Two app instances in separate processes sharing one %s', (_name, describeWith, startStore) => {
  describeWith('', () => {
    let store: SharedStore
    let first: AppProcess
    let second: AppProcess

    beforeAll(async () => {
      store = await startStore()
      ;[first, second] = await Promise.all([
        AppProcess.start(appSource(store.engineSource)),
        AppProcess.start(appSource(store.engineSource))
      ])
    }, 30_000)

    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()])
      await store?.stop()
    })

    it('see the same sessions: logged in on one, listed and logged out on the other, rejected on the first', async () => {
      const login = await first.fetch('/login/julia', { method: 'POST' })
      expect(login.status).toBe(200)
      const { token } = (await login.json()) as { token: string }
      const auth = { headers: { Authorization: `Bearer ${token}` } }

      const onSecond = await second.fetch('/me', auth)
      expect(onSecond.status).toBe(200)
      expect(await onSecond.json()).toEqual({ userId: 'julia' })
      const listed = (await (await second.fetch('/sessions', auth)).json()) as Record<string, { current: boolean }>
      expect(Object.values(listed)).toEqual([expect.objectContaining({ current: true })])

      expect((await second.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
      expect((await first.fetch('/me', auth)).status).toBe(401)
      expect((await second.fetch('/me', auth)).status).toBe(401)
    })
  })
})
