// This library: MemoryEngine, RedisEngine (with or without localCache) or PostgresEngine, over the
// bearer header or the cookie, on Express 5 or 4.
import type { Express } from 'express'
import { authenticateRequest, MemoryEngine, requireSession, session, type Engine } from 'express-session-registry'
import { PostgresEngine } from 'express-session-registry/postgres'
import { RedisEngine } from 'express-session-registry/redis'
import type { BenchApp, Services } from '../lib/scenario'
import { benchApp, createExpress, nextUser, route, type ExpressMajor } from './common'
import { POSTGRES_POOL_SIZE } from './floors'

/** How one of our apps is set up. */
export interface OursOptions {
  engine: 'memory' | 'redis' | 'postgres'
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
}

function createEngine(options: OursOptions, services: Services): Engine {
  if (options.engine === 'redis') {
    const localCache = options.localCacheEntries ? { maxEntries: options.localCacheEntries } : undefined
    return new RedisEngine({ host: '127.0.0.1', port: services.redisPort, localCache })
  }
  if (options.engine === 'postgres') {
    return new PostgresEngine({ connectionString: services.postgresUrl, max: POSTGRES_POOL_SIZE })
  }
  return new MemoryEngine()
}

/**
 * Our app: `app.use(session())`, `authenticateRequest` on `GET /me`, as the README sets it up; or, with
 * `guard: 'requireSession'`, `requireSession()` alone on `GET /me`.
 */
export async function oursApp(options: OursOptions, services: Services): Promise<BenchApp> {
  const engine = createEngine(options, services)
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
