import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client, Pool } from 'pg'
import request from 'supertest'
import { PostgresEngine } from 'express-session-registry/postgres'
import { bearer, createApp, type ErrorLog, expressVersions } from '../support/app'
import { describeWithPostgres, PostgresServer } from '../support/postgresServer'

const STATEMENT_TIMEOUT_MS = 500
// What a failure may take beyond the timeout on a busy machine: the bound is the timeout, not a speed.
const SLACK_MS = 1_500
const POOL_SIZE = 10
const REQUESTS = 100

/**
 * Under a table another session has locked (a migration), requests through a real app must fail as
 * the statement timeout says, and the server must give up too: a backend left waiting on the lock
 * beside the new ones the pool opens is how a busy app exhausts PostgreSQL's connections.
 */
describeWithPostgres('PostgresEngine under a locked table', () => {
  let server: PostgresServer
  let observer: Client
  let locker: Client
  let lockerPid: number
  const [, express] = expressVersions[1]

  beforeAll(async () => {
    server = await PostgresServer.start()
    observer = new Client({ connectionString: server.connectionString })
    locker = new Client({ connectionString: server.connectionString })
    await Promise.all([observer.connect(), locker.connect()])
    lockerPid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid
  })
  afterAll(async () => {
    await Promise.all([observer?.end(), locker?.end()])
    await server?.destroy()
  })

  /**
   * Client backends of the pool under test (by its `application_name`), so the locker, the observer and
   * the backends of an earlier case's pool, still closing, are left out.
   */
  async function backends(applicationName: string): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
       AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND pid <> $1 AND application_name = $2`,
      [lockerPid, applicationName]
    )
    return rows[0].n
  }

  /** Samples the backends of `applicationName` until `stop` resolves; resolves the most it saw. */
  async function mostBackendsUntil(applicationName: string, stop: Promise<unknown>): Promise<number> {
    let done = false
    void stop.finally(() => (done = true))
    let most = 0
    while (!done) most = Math.max(most, await backends(applicationName))
    return Math.max(most, await backends(applicationName))
  }

  describe.each([
    [
      'its own pool',
      () => ({
        engine: new PostgresEngine({
          connectionString: server.connectionString,
          application_name: 'bounds-own-pool',
          max: POOL_SIZE,
          statementTimeout: STATEMENT_TIMEOUT_MS
        }),
        pool: undefined,
        applicationName: 'bounds-own-pool'
      })
    ],
    [
      'an app’s pg.Pool',
      () => {
        const pool = new Pool({
          connectionString: server.connectionString,
          application_name: 'bounds-app-pool',
          max: POOL_SIZE
        })
        return {
          engine: new PostgresEngine({ pool, statementTimeout: STATEMENT_TIMEOUT_MS }),
          pool,
          applicationName: 'bounds-app-pool'
        }
      }
    ]
  ])('with %s', (_label, build) => {
    let engine: PostgresEngine
    let pool: Pool | undefined
    let applicationName: string
    let http: Server
    const log: ErrorLog = { errors: [] }

    beforeAll(async () => {
      ;({ engine, pool, applicationName } = build())
      http = createApp(express, { engine, idleTimeout: 60_000 }, log).listen(0, '127.0.0.1')
      await new Promise((resolve) => http.once('listening', resolve))
    })
    afterAll(async () => {
      await new Promise((resolve) => http.close(resolve))
      await engine.release()
      await pool?.end()
    })

    it(`fails ${REQUESTS} requests within the statement timeout with a 503, never holds more backends than the pool, and serves again once the lock is gone`, async () => {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
      const login = await request(url).post('/login').send({ userId: 'locked-out' }).expect(200)
      const token = login.body.token as string
      const auth = { Authorization: bearer(token) }
      await request(url).get('/me').set(auth).expect(200)

      await locker.query('BEGIN')
      await locker.query('LOCK TABLE session_registry IN ACCESS EXCLUSIVE MODE')
      let most = 0
      try {
        const started = Date.now()
        const burst = Promise.all(
          Array.from({ length: REQUESTS }, async (_, position) => {
            // Every tenth a log in: its transaction must be bounded on the server as well.
            const response = await (position % 10 === 0
              ? request(url)
                  .post('/login')
                  .send({ userId: `late-${position}` })
              : request(url).get('/me').set(auth))
            return { status: response.status, ms: Date.now() - started }
          })
        )
        // Sampled while the requests fail, and for two timeouts more: a backend left waiting would show.
        const settled = burst.then(() => new Promise((resolve) => setTimeout(resolve, 2 * STATEMENT_TIMEOUT_MS)))
        most = await mostBackendsUntil(applicationName, settled)
        const outcomes = await burst
        expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(REQUESTS).fill(503))
        expect(Math.max(...outcomes.map((outcome) => outcome.ms))).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
        expect(log.errors).toHaveLength(REQUESTS)
        expect(log.errors).toEqual(
          Array(REQUESTS).fill(expect.objectContaining({ name: 'SessionEngineError', status: 503 }))
        )
        // The pool's backends are seen (the filter by application name holds), and never more than it has.
        expect(most).toBeGreaterThan(0)
        expect(most).toBeLessThanOrEqual(POOL_SIZE)
      } finally {
        await locker.query('ROLLBACK')
      }
      await request(url).get('/me').set(auth).expect(200)
      expect(await backends(applicationName)).toBeLessThanOrEqual(POOL_SIZE)
    })

    it('leaves the server-side timeouts of the pool’s connections as they were', async () => {
      const { rows } = await engine.pool.query<{ s: string; l: string }>(
        "SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l"
      )
      expect(rows[0]).toEqual(pool === undefined ? { s: '500ms', l: '500ms' } : { s: '0', l: '0' })
    })
  })
})
