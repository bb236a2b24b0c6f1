// Baseline: the same route with no session layer at all.
import type { Express } from 'express'
import { BENCH_USER } from '../lib/fixtures'
import { express } from '../servers/common'

/** The no-session app: `POST /login` does nothing, `GET /me` answers the bench user. */
export function createNoSessionApp(): Express {
  const app = express()
  app.post('/login', (_request, response) => {
    response.json({ ok: true })
  })
  app.get('/me', (_request, response) => {
    response.json({ id: BENCH_USER })
  })
  return app
}
