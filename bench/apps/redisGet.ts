// The floor of any Redis-backed session: one raw GET per request, keyed by the bearer token.
import type { Express } from 'express'
import { fromBench } from '../lib/deps'
import {
  BENCH_USER,
  RAW_PREFIX,
  randomHash,
  REDIS_DATABASES,
  registrySubject,
  SESSION_LIFETIME_MS
} from '../lib/fixtures'
import { express, route } from '../servers/common'

interface RedisClient {
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  get(key: string): Promise<string | null>
  set(key: string, value: string, options: { PX: number }): Promise<unknown>
}

/** The raw-GET app, on its own client of the same node-redis version as RedisEngine's. */
export async function createRedisGetApp(redisPort: number): Promise<Express> {
  const { createClient } = fromBench<{ createClient(options: object): RedisClient }>('redis')
  const client = createClient({ socket: { host: '127.0.0.1', port: redisPort }, database: REDIS_DATABASES.raw })
  client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
  await client.connect()

  const app = express()
  app.post(
    '/login',
    route(async (_request, response) => {
      const token = randomHash()
      const value = JSON.stringify([`auth-${BENCH_USER}`, registrySubject(0, Date.now())])
      await client.set(RAW_PREFIX + token, value, { PX: SESSION_LIFETIME_MS })
      response.setHeader('Authorization', `bearer ${token}`)
      response.json({ ok: true })
    })
  )
  app.get(
    '/me',
    route(async (request, response) => {
      const token = request.headers.authorization?.slice('Bearer '.length) ?? ''
      if ((await client.get(RAW_PREFIX + token)) === null) response.status(401).end()
      else response.json({ id: BENCH_USER })
    })
  )
  return app
}
