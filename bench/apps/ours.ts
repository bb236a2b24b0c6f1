// This library: MemoryEngine, RedisEngine (with or without localCache), PostgresEngine or SqliteEngine,
// over the bearer header or the cookie, on Express 5 or 4, from this checkout's source or a built dist/.
import type { Express } from 'express'
import type { Engine } from 'express-session-registry'
import type { BenchApp, Services } from '../lib/scenario'
import { benchApp, createExpress, nextUser, route, type ExpressMajor } from './common'
import { POSTGRES_POOL_SIZE } from './floors'
import { library, type Library } from './library'

/** How one of our apps is set up. */
export interface OursOptions {
  engine: 'memory' | 'redis' | 'postgres' | 'sqlite'
  /** Which carrier the client sends back. */
  credential: 'bearer' | 'cookie'
  express?: ExpressMajor
  /** RedisEngine's `localCache.maxEntries`; absent: no local cache. */
  localCacheEntries?: number
  /**
   * How `GET /me` gets its session: `app.use(session())` and `authenticateRequest` (the default), or
   * `requireSession()` on the route alone, with `session()` only on the log in and log out routes.
   */
  guard?: 'authenticateRequest' | 'requireSession'
  /** A built dist/ folder to run instead of this checkout's source (the build pairs). */
  dist?: string
}

function createEngine(options: OursOptions, services: Services, from: Library): Engine {
  if (options.engine === 'redis') {
    const localCache = options.localCacheEntries ? { maxEntries: options.localCacheEntries } : undefined
    return new (from.redis().RedisEngine)({ host: '127.0.0.1', port: services.redisPort, localCache })
  }
  if (options.engine === 'postgres') {
    return new (from.postgres().PostgresEngine)({ connectionString: services.postgresUrl, max: POSTGRES_POOL_SIZE })
  }
  if (options.engine === 'sqlite') {
    if (services.sqliteFile === undefined) throw new Error('the SQLite apps need the sqlite service')
    return new (from.sqlite().SqliteEngine)({ filename: services.sqliteFile })
  }
  return new from.core.MemoryEngine()
}

/**
 * Our app: `app.use(session())`, `authenticateRequest` on `GET /me`, as the README sets it up; or, with
 * `guard: 'requireSession'`, `requireSession()` alone on `GET /me`.
 */
export async function oursApp(options: OursOptions, services: Services): Promise<BenchApp> {
  const from = library(options.dist)
  const { authenticateRequest, requireSession, session } = from.core
  const engine = createEngine(options, services, from)
  await engine.prepare?.()
  const app: Express = createExpress(options.express ?? 5)
  const sessionOptions = { engine }
  const guarded = options.guard === 'requireSession'
  const withSession = session(sessionOptions)
  if (!guarded) app.use(withSession)
  app.post(
    '/login',
    ...(guarded ? [withSession] : []),
    route(async (request, response) => {
      await request.session.logIn(nextUser())
      response.json({ ok: true })
    })
  )
  app.post(
    '/logout',
    ...(guarded ? [withSession] : []),
    route(async (request, response) => {
      await request.session.logOut()
      response.json({ ok: true })
    })
  )
  app.get('/me', guarded ? requireSession(sessionOptions) : authenticateRequest, (request, response) => {
    response.json({ id: request.session.authenticatableId })
  })
  const credential =
    options.credential === 'cookie' ? { kind: 'cookie' as const, name: 'session' } : { kind: 'bearer' as const }
  return benchApp(app, credential, async () => {
    await engine.release?.()
  })
}
