// express-session with connect-pg-simple, configured as their READMEs advise (touch on every request
// included: that is express-session's default with a store that has touch()).
import type { RequestHandler } from 'express'
import type { Pool as PoolType } from 'pg'
import {
  CONNECT_PG_TABLE,
  connectionString,
  COOKIE_SECRET,
  express,
  fail,
  fromBench,
  listen,
  POOL_SIZE,
  SESSION_LIFETIME_MS
} from './postgresCommon'

type ExpressSession = (options: Record<string, unknown>) => RequestHandler
type ConnectPgSimple = (session: ExpressSession) => new (options: Record<string, unknown>) => object

async function main(): Promise<void> {
  const expressSession = fromBench<ExpressSession>('express-session')
  const PgStore = fromBench<ConnectPgSimple>('connect-pg-simple')(expressSession)
  const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
  const pool = new Pool({ connectionString: connectionString(), max: POOL_SIZE })
  const app = express()
  app.use(
    expressSession({
      store: new PgStore({ pool, tableName: CONNECT_PG_TABLE }),
      secret: COOKIE_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: SESSION_LIFETIME_MS }
    })
  )
  app.get('/me', (request, response) => {
    const { userId } = (request as unknown as { session: { userId?: string } }).session
    if (userId === undefined) response.status(401).end()
    else response.json({ id: userId })
  })
  listen(app)
}

main().catch(fail)
