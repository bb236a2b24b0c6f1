// express-session with its MemoryStore, or with connect-redis (BENCH_STORE), configured as its README advises.
import type { RequestHandler } from 'express'
import { fromBench } from '../lib/deps'
import { expressSessionData, expressSessionId, REDIS_DATABASES, SESSION_LIFETIME_MS } from '../lib/fixtures'
import { express, fail, listen, redisPort, route, sessionsToPreload } from './common'

interface SessionData {
  userId?: string
}

interface Store {
  set(id: string, data: Record<string, unknown>, callback?: (error?: unknown) => void): unknown
}

type ExpressSession = ((options: Record<string, unknown>) => RequestHandler) & { MemoryStore: new () => Store }

interface RedisClient {
  connect(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
}

const expressSession = fromBench<ExpressSession>('express-session')

async function createStore(): Promise<{ store: Store; preloaded: number }> {
  if (process.env.BENCH_STORE === 'redis') {
    const { createClient } = fromBench<{ createClient(options: object): RedisClient }>('redis')
    const { RedisStore } = fromBench<{ RedisStore: new (options: { client: RedisClient }) => Store }>('connect-redis')
    const client = createClient({
      socket: { host: '127.0.0.1', port: redisPort() },
      database: REDIS_DATABASES['connect-redis']
    })
    client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
    await client.connect()
    // The harness preloads Redis itself, through connect-redis's own writes (bench/preloadRedis.ts).
    return { store: new RedisStore({ client }), preloaded: 0 }
  }
  const store = new expressSession.MemoryStore()
  const count = sessionsToPreload()
  const now = Date.now()
  for (let index = 0; index < count; index++) store.set(expressSessionId(), expressSessionData(index, now))
  return { store, preloaded: count }
}

const sessionOf = (request: unknown): SessionData => (request as { session: SessionData }).session

async function main(): Promise<void> {
  const { store, preloaded } = await createStore()
  const app = express()
  app.use(
    expressSession({
      store,
      secret: 'benchmark secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: SESSION_LIFETIME_MS }
    })
  )
  app.post(
    '/login',
    route(async (request, response) => {
      sessionOf(request).userId = 'user-1'
      response.json({ ok: true })
    })
  )
  app.get('/me', (request, response) => {
    const { userId } = sessionOf(request)
    if (userId === undefined) response.status(401).end()
    else response.json({ id: userId })
  })
  listen(app, preloaded)
}

main().catch(fail)
