// The original, @universal-packages/express-session, on its own shared memory engine, as its README sets it up.
import type { RequestHandler } from 'express'
import { fromBench } from '../lib/deps'
import { BENCH_USER, preloadOriginal } from '../lib/fixtures'
import { express, listen, route, sessionsToPreload } from './common'

interface OriginalSession {
  authenticated: boolean
  userId: string | null
  logIn(userId: string): Promise<void>
}

interface Original {
  session(options?: { trackSessionAccess?: boolean }): RequestHandler
  authenticateRequest: RequestHandler
}

interface TokenRegistryEngine {
  set(token: string, category: string, subject: Record<string, unknown>): void
}

const original = fromBench<Original>('@universal-packages/express-session')
// The engine every session of the original shares when no engine is given.
const { MEMORY_ENGINE } = fromBench<{ MEMORY_ENGINE: TokenRegistryEngine }>(
  '@universal-packages/express-session/Session'
)

// Its tokens: 216 base64 characters; its subjects: stored as they are.
const count = sessionsToPreload()
preloadOriginal(MEMORY_ENGINE, count, Date.now())

const sessionOf = (request: unknown): OriginalSession => (request as { session: OriginalSession }).session

const app = express()
app.use(original.session({ trackSessionAccess: process.env.BENCH_TRACK === '1' }))
app.post(
  '/login',
  route(async (request, response) => {
    await sessionOf(request).logIn(BENCH_USER)
    response.json({ ok: true })
  })
)
app.get('/me', original.authenticateRequest, (request, response) => {
  response.json({ id: sessionOf(request).userId })
})
listen(app, count)
