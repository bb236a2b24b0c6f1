import { Pool } from 'pg'
import request from 'supertest'
import { PostgresEngine } from 'express-session-registry/postgres'
import { bearer, createApp, type ErrorLog, expressVersions, logIn } from '../support/app'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithPostgres, eventually, PostgresServer } from '../support/postgresServer'

const STATEMENT_TIMEOUT_MS = 500
// What a failure may take beyond the timeout on a busy machine: the bound is the timeout, not a speed.
const SLACK_MS = 1_000

const subject = () => ({ id: 'x', userId: 'u', lastAccessed: Date.now(), expiresAt: Date.now() + 600_000 })

/** Runs `operation` and returns how long it took to settle, expecting it to reject. */
async function rejectionTime(operation: () => Promise<unknown>): Promise<number> {
  const started = Date.now()
  await expect(operation()).rejects.toThrow()
  return Date.now() - started
}

describeWithPostgres('PostgresEngine when PostgreSQL fails', () => {
  let server: PostgresServer
  const engines: PostgresEngine[] = []
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  function newEngine(): PostgresEngine {
    const engine = new PostgresEngine({
      connectionString: server.connectionString,
      statementTimeout: STATEMENT_TIMEOUT_MS
    })
    engines.push(engine)
    return engine
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    server = await PostgresServer.start()
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await Promise.all(engines.map((engine) => engine.release()))
    await server?.destroy()
  })
  afterEach(() => expect(unhandled).toEqual([]))

  describe('when the server is stopped', () => {
    it('fails every operation within the statement timeout, then serves the same session once it is back', async () => {
      const engine = newEngine()
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())

      await server.stop('immediate')
      const operations = [
        () => engine.get(token),
        () => engine.set(tokenHash(), 'auth-u', subject()),
        () => engine.update(token, 'auth-u', subject()),
        () => engine.patch(token, 'auth-u', { lastIp: '::1' }),
        () => engine.getAll('auth-u'),
        () => engine.delete(tokenHash()),
        () => engine.deleteAll('auth-u', token),
        () => engine.setCapped(tokenHash(), 'auth-u', subject(), 10),
        () => engine.sweep()
      ]
      for (const operation of operations) {
        expect(await rejectionTime(operation)).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
      }

      await server.restart()
      await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
      expect(Object.keys(await engine.getAll('auth-u'))).toEqual([token])
    })

    it('loses no acknowledged log in across a crash and restart', async () => {
      const engine = newEngine()
      await engine.prepare()
      const tokens = Array.from({ length: 50 }, () => tokenHash())
      await Promise.all(tokens.map((token) => engine.setCapped(token, 'auth-crash', subject(), 100)))
      // No checkpoint, no clean shutdown: the restart replays the write-ahead log.
      await server.stop('immediate')
      await server.restart()
      // A statement may still time out while the restarted server replays its log: that is not a loss.
      let listed: Record<string, unknown> | undefined
      await eventually(async () => (listed = await engine.getAll('auth-crash').catch(() => undefined)) !== undefined)
      expect(Object.keys(listed ?? {}).sort()).toEqual([...tokens].sort())
    })
  })

  describe('when the server stops answering', () => {
    it('fails a statement after statementTimeout, and answers again once the server does', async () => {
      const engine = newEngine()
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      server.pause()
      try {
        // The log in takes the pool's idle connection, then its transaction hangs.
        const started = Date.now()
        const logIn = engine.setCapped(tokenHash(), 'auth-u', subject(), 5)
        await expect(logIn).rejects.toThrow(`PostgreSQL did not answer within ${STATEMENT_TIMEOUT_MS} ms`)
        await expect(logIn).rejects.toMatchObject({
          name: 'PostgresTimeoutError',
          code: 'ESR_POSTGRES_TIMEOUT',
          timeoutMs: STATEMENT_TIMEOUT_MS
        })
        expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
        // A new connection now: refused by the pool's connection timeout, which is the statement timeout.
        expect(await rejectionTime(() => engine.get(token))).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
      } finally {
        server.resume()
      }
      await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
    })
  })

  describe('when the pool is slower than the statement timeout', () => {
    it('abandons a log in whose connection comes too late: it fails, and writes nothing', async () => {
      const pool = new Pool({ connectionString: server.connectionString, max: 1 })
      let open!: () => void
      const gate = new Promise<void>((resolve) => (open = resolve))
      let connected: Promise<unknown> | undefined
      let held = false
      // The app's real pool, whose connections are handed out only once the gate opens, while held.
      const slow = {
        query: pool.query.bind(pool),
        connect: () => {
          connected = held ? gate.then(() => pool.connect()) : pool.connect()
          return connected
        }
      } as unknown as Pool
      const engine = new PostgresEngine({ pool: slow, statementTimeout: 200 })
      try {
        await engine.prepare()
        held = true
        const token = tokenHash()
        await expect(engine.setCapped(token, 'auth-slow', subject(), 5)).rejects.toThrow('did not answer within 200 ms')
        open()
        await connected
        // The late connection ran nothing: it went back to the pool idle, with no transaction to finish.
        await eventually(() => pool.totalCount === pool.idleCount)
        expect(
          (
            await pool.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction'"
            )
          ).rows[0]
        ).toEqual({ n: 0 })
        expect(await engine.get(token)).toBeUndefined()
      } finally {
        await engine.release()
        await pool.end()
      }
    })
  })

  describe('when a statement of a log in fails', () => {
    it('rolls the transaction back and leaves no broken connection in the pool', async () => {
      const engine = new PostgresEngine({ connectionString: server.connectionString, max: 1 })
      engines.push(engine)
      await engine.prepare()
      const token = tokenHash()
      // Past timestamptz's range: PostgreSQL refuses the row.
      await expect(engine.setCapped(token, 'auth-bad', { ...subject(), lastAccessed: 1e20 }, 5)).rejects.toThrow(
        'out of range'
      )
      expect(await engine.get(token)).toBeUndefined()
      await engine.setCapped(token, 'auth-bad', subject(), 5)
      expect(await engine.get(token)).toBeTruthy()
    })
  })

  describe('without a statement timeout', () => {
    it('waits as long as PostgreSQL takes, and sets no server-side timeout', async () => {
      const engine = new PostgresEngine({ connectionString: server.connectionString, statementTimeout: Infinity })
      engines.push(engine)
      await engine.prepare()
      const { rows } = await engine.pool.query<{ statement_timeout: string }>('SHOW statement_timeout')
      expect(rows[0].statement_timeout).toBe('0')
      const token = tokenHash()
      await engine.setCapped(token, 'auth-patient', subject(), 5)
      expect(await engine.get(token)).toBeTruthy()
    })
  })

  describe('when the server is down at start', () => {
    it('fails prepare() at once, and works once the server is up, with the same engine', async () => {
      await server.stop()
      const engine = newEngine()
      try {
        expect(await rejectionTime(() => engine.prepare())).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
      } finally {
        await server.restart()
      }
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-late', subject())
      expect(await engine.get(token)).toBeTruthy()
    })
  })

  describe.each(expressVersions)('through HTTP on %s', (_versionName, version) => {
    it('answers 503 through the error handler within the statement timeout, and takes the same token again once PostgreSQL is back', async () => {
      const engine = newEngine()
      const log: ErrorLog = { errors: [] }
      const app = createApp(version, { engine }, log)
      const token = await logIn(app, 'ivan')
      const auth = { Authorization: bearer(token) }

      await server.stop('immediate')
      const started = Date.now()
      const responses = await Promise.all([
        request(app).get('/me').set(auth),
        request(app).get('/sessions').set(auth),
        request(app).post('/login').send({ userId: 'ivan' }),
        request(app).post('/logout').set(auth)
      ])
      expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS)
      expect(responses.map((response) => response.status)).toEqual([503, 503, 503, 503])
      expect(log.errors).toEqual(Array(4).fill(expect.objectContaining({ name: 'SessionEngineError', status: 503 })))

      await server.restart()
      await eventually(async () => (await request(app).get('/me').set(auth)).status === 200)
    })
  })
})
