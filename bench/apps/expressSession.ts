// express-session with its MemoryStore, connect-redis or connect-pg-simple, configured as their READMEs
// advise; its log in is `regenerate` + `save`, its log out `destroy`.
import type { Express, Request, RequestHandler } from 'express'
import type { Pool as PoolType } from 'pg'
import { fromBench } from '../lib/deps'
import { CONNECT_PG_TABLE, COOKIE_SECRET, REDIS_DATABASES, SESSION_LIFETIME_MS } from '../lib/fixtures'
import type { BenchApp, Services } from '../lib/scenario'
import { benchApp, createExpress, nextUser } from './common'
import { POSTGRES_POOL_SIZE } from './floors'

interface ExpressSessionState {
  userId?: string
  regenerate(callback: (error?: unknown) => void): void
  save(callback: (error?: unknown) => void): void
  destroy(callback: (error?: unknown) => void): void
}

type Store = object
type ExpressSession = ((options: Record<string, unknown>) => RequestHandler) & { MemoryStore: new () => Store }

interface RedisClient {
  connect(): Promise<unknown>
  quit(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** Where express-session keeps its sessions. */
export type ExpressSessionStore = 'memory' | 'connect-redis' | 'connect-pg-simple'

const expressSession = (): ExpressSession => fromBench<ExpressSession>('express-session')

async function createStore(
  kind: ExpressSessionStore,
  services: Services
): Promise<{ store: Store; release(): Promise<void> }> {
  if (kind === 'connect-redis') {
    const { createClient } = fromBench<{ createClient(options: object): RedisClient }>('redis')
    const { RedisStore } = fromBench<{ RedisStore: new (options: { client: RedisClient }) => Store }>('connect-redis')
    const client = createClient({
      socket: { host: '127.0.0.1', port: services.redisPort },
      database: REDIS_DATABASES['connect-redis']
    })
    client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
    await client.connect()
    return { store: new RedisStore({ client }), release: async () => void (await client.quit()) }
  }
  if (kind === 'connect-pg-simple') {
    type ConnectPgSimple = (session: ExpressSession) => new (options: Record<string, unknown>) => Store
    const PgStore = fromBench<ConnectPgSimple>('connect-pg-simple')(expressSession())
    const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
    const pool = new Pool({ connectionString: services.postgresUrl, max: POSTGRES_POOL_SIZE })
    return { store: new PgStore({ pool, tableName: CONNECT_PG_TABLE }), release: () => pool.end() }
  }
  return { store: new (expressSession().MemoryStore)(), release: async () => undefined }
}

const stateOf = (request: Request): ExpressSessionState =>
  (request as unknown as { session: ExpressSessionState }).session

const step = (run: (callback: (error?: unknown) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())))

/** express-session on Express 5, on the store asked for. */
export async function expressSessionApp(kind: ExpressSessionStore, services: Services): Promise<BenchApp> {
  const { store, release } = await createStore(kind, services)
  const app: Express = createExpress(5)
  app.use(
    expressSession()({
      store,
      secret: COOKIE_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: SESSION_LIFETIME_MS }
    })
  )
  app.post('/login', (request, response, next) => {
    // The log in express-session's README shows: a new id against fixation, then an explicit save.
    const state = stateOf(request)
    step((done) => state.regenerate(done))
      .then(() => {
        const fresh = stateOf(request)
        fresh.userId = nextUser()
        return step((done) => fresh.save(done))
      })
      .then(() => response.json({ ok: true }), next)
  })
  app.post('/logout', (request, response, next) => {
    const state = stateOf(request)
    step((done) => state.destroy(done)).then(() => response.json({ ok: true }), next)
  })
  app.get('/me', (request, response) => {
    const { userId } = stateOf(request)
    if (userId === undefined) response.status(401).end()
    else response.json({ id: userId })
  })
  return benchApp(app, { kind: 'cookie', name: 'connect.sid' }, release)
}
