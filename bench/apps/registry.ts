// This library, on the memory engine or on RedisEngine, with or without trackSessionAccess and localCache.
import type { Express } from 'express'
import { authenticateRequest, MemoryEngine, session, type Engine } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { BENCH_USER, randomHash, registrySubject } from '../lib/fixtures'
import { express, route } from '../servers/common'

/** How the app keeps its sessions. */
export interface RegistryAppOptions {
  store: 'memory' | 'redis'
  /** `trackSessionAccess`. */
  track?: boolean
  /** Port of the harness's redis-server (Redis store only). */
  redisPort?: number
  /** `localCache.maxEntries` of RedisEngine; 0 or absent: no local cache. */
  localCacheEntries?: number
  /** Sessions stored in the memory engine before the app serves (the harness preloads Redis itself). */
  preload?: number
}

function createEngine(options: RegistryAppOptions): Engine {
  if (options.store === 'redis') {
    const localCache = options.localCacheEntries ? { maxEntries: options.localCacheEntries } : undefined
    return new RedisEngine({ host: '127.0.0.1', port: options.redisPort, localCache })
  }
  const engine = new MemoryEngine()
  const now = Date.now()
  // Straight through the engine contract, as the core writes a logged-in session.
  for (let index = 0; index < (options.preload ?? 0); index++) {
    const subject = registrySubject(index, now)
    engine.set(randomHash(), `auth-${subject.userId}`, subject)
  }
  return engine
}

/** The app and its engine: `POST /login` logs the bench user in, `GET /me` answers them, 401 without a session. */
export async function createRegistryApp(options: RegistryAppOptions): Promise<{ app: Express; engine: Engine }> {
  const engine = createEngine(options)
  await engine.prepare?.()
  const app = express()
  app.use(session({ engine, trackSessionAccess: options.track ?? false }))
  app.post(
    '/login',
    route(async (request, response) => {
      await request.session.logIn(BENCH_USER)
      response.json({ ok: true })
    })
  )
  app.post(
    '/logout',
    route(async (request, response) => {
      await request.session.logOut()
      response.json({ ok: true })
    })
  )
  app.get('/me', authenticateRequest, (request, response) => {
    response.json({ id: request.session.authenticatableId })
  })
  return { app, engine }
}
