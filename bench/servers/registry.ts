// This library, on the memory engine or on RedisEngine (BENCH_STORE), with or without trackSessionAccess.
import { authenticateRequest, MemoryEngine, session, type Engine } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { BENCH_USER, randomHash, registrySubject } from '../lib/fixtures'
import { express, fail, listen, redisPort, route, sessionsToPreload } from './common'

function createEngine(): { engine: Engine; preloaded: number } {
  if (process.env.BENCH_STORE === 'redis') {
    // The harness preloads Redis itself, through this engine's own writes (bench/preloadRedis.ts).
    return { engine: new RedisEngine({ host: '127.0.0.1', port: redisPort() }), preloaded: 0 }
  }
  const engine = new MemoryEngine()
  const count = sessionsToPreload()
  const now = Date.now()
  // Straight through the engine contract, as the core writes a logged-in session.
  for (let index = 0; index < count; index++) {
    const subject = registrySubject(index, now)
    engine.set(randomHash(), `auth-${subject.userId}`, subject)
  }
  return { engine, preloaded: count }
}

async function main(): Promise<void> {
  const { engine, preloaded } = createEngine()
  const app = express()
  app.use(session({ engine, trackSessionAccess: process.env.BENCH_TRACK === '1' }))
  app.post(
    '/login',
    route(async (request, response) => {
      await request.session.logIn(BENCH_USER)
      response.json({ ok: true })
    })
  )
  app.get('/me', authenticateRequest, (request, response) => {
    response.json({ id: request.session.authenticatableId })
  })
  listen(app, preloaded)
}

main().catch(fail)
