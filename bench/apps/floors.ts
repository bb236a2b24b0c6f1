// The floors every session layer is measured against: no session at all, a middleware that does nothing,
// and the one raw storage read a session needs (a Redis GET, a PostgreSQL primary-key SELECT).
import { hash } from 'node:crypto'
import type { Express, RequestHandler } from 'express'
import type { Pool as PoolType } from 'pg'
import { fromBench } from '../lib/deps'
import {
  BENCH_USER,
  postgresToken,
  RAW_PREFIX,
  randomHash,
  REDIS_DATABASES,
  registrySubject,
  SESSION_LIFETIME_MS
} from '../lib/fixtures'
import type { BenchApp, Services } from '../lib/scenario'
import { benchApp, createExpress, route, type ExpressMajor } from './common'

function routes(app: Express, me: RequestHandler[]): Express {
  app.post('/login', (_request, response) => {
    response.setHeader('Authorization', 'bearer none')
    response.json({ ok: true })
  })
  app.post('/logout', (_request, response) => {
    response.json({ ok: true })
  })
  app.get('/me', ...me)
  return app
}

const answer: RequestHandler = (_request, response) => {
  response.json({ id: BENCH_USER })
}

/** The same routes with no session layer at all. */
export async function noSessionApp(major: ExpressMajor): Promise<BenchApp> {
  return benchApp(routes(createExpress(major), [answer]), { kind: 'none' })
}

/** The same routes behind `app.use((req, res, next) => next())`: the floor of any session middleware. */
export async function noopMiddlewareApp(major: ExpressMajor): Promise<BenchApp> {
  const app = createExpress(major)
  app.use((_request, _response, next) => next())
  return benchApp(routes(app, [answer]), { kind: 'none' })
}

interface RedisClient {
  connect(): Promise<unknown>
  quit(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  get(key: string): Promise<string | null>
  set(key: string, value: string, options: { PX: number }): Promise<unknown>
}

const bearer = (authorization: string | undefined): string => /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? ''

/** One raw node-redis `GET` in a middleware, keyed by the bearer token, over plain keys of the same bytes as ours. */
export async function redisGetApp({ redisPort }: Services): Promise<BenchApp> {
  const { createClient } = fromBench<{ createClient(options: object): RedisClient }>('redis')
  const client = createClient({ socket: { host: '127.0.0.1', port: redisPort }, database: REDIS_DATABASES.raw })
  client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
  await client.connect()
  const app = createExpress(5)
  app.post(
    '/login',
    route(async (_request, response) => {
      const token = randomHash()
      const value = JSON.stringify([`auth-${BENCH_USER}`, registrySubject(0, Date.now())])
      await client.set(RAW_PREFIX + token, value, { PX: SESSION_LIFETIME_MS })
      response.setHeader('Authorization', `bearer ${token}`)
      response.json({ ok: true })
    })
  )
  const read: RequestHandler = (request, response, next) => {
    client.get(RAW_PREFIX + bearer(request.headers.authorization)).then((value) => {
      if (value === null) response.status(401).end()
      else next()
    }, next)
  }
  app.get('/me', read, answer)
  return benchApp(app, { kind: 'bearer' }, async () => {
    await client.quit()
  })
}

/** One named primary-key `SELECT` on a pg pool, keyed by the token's SHA-256, on the rows PostgresEngine reads. */
export async function postgresSelectApp({ postgresUrl }: Services): Promise<BenchApp> {
  const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
  const pool = new Pool({ connectionString: postgresUrl, max: POSTGRES_POOL_SIZE })
  const select = {
    name: 'raw_get',
    text: 'SELECT fields FROM session_registry WHERE token = $1 AND (expires_at IS NULL OR expires_at > now())'
  }
  const app = createExpress(5)
  // Its log in hands out one of the preloaded sessions: the floor reads, it does not write.
  app.post('/login', (_request, response) => {
    response.setHeader('Authorization', `bearer ${postgresToken(0)}`)
    response.json({ ok: true })
  })
  const read: RequestHandler = (request, response, next) => {
    const token = bearer(request.headers.authorization)
    pool.query({ ...select, values: [hash('sha256', token, 'base64url')] }).then(({ rows }) => {
      if (rows.length === 0) response.status(401).end()
      else next()
    }, next)
  }
  app.get('/me', read, answer)
  return benchApp(app, { kind: 'bearer' }, () => pool.end())
}

/** Connections per pool of every PostgreSQL app: node-postgres's default. */
export const POSTGRES_POOL_SIZE = 10
