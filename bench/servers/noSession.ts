// Baseline: the same route with no session layer at all.
import { BENCH_USER } from '../lib/fixtures'
import { express, listen } from './common'

const app = express()
app.post('/login', (_request, response) => {
  response.json({ ok: true })
})
app.get('/me', (_request, response) => {
  response.json({ id: BENCH_USER })
})
listen(app, 0)
