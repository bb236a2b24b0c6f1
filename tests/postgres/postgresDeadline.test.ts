import { PostgresEngine } from 'express-session-registry/postgres'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithPostgres, eventually, PostgresServer } from '../support/postgresServer'

const STATEMENT_TIMEOUT_MS = 300

const subject = () => ({ id: 'x', userId: 'u', lastAccessed: Date.now(), expiresAt: Date.now() + 600_000 })

describeWithPostgres('PostgresEngine: a log in past its deadline', () => {
  let server: PostgresServer
  let engine: PostgresEngine

  beforeAll(async () => {
    server = await PostgresServer.start()
    engine = new PostgresEngine({ connectionString: server.connectionString, statementTimeout: STATEMENT_TIMEOUT_MS })
    await engine.prepare()
  })

  afterAll(async () => {
    await engine?.release()
    await server?.destroy()
  })

  it('writes nothing once the server answers again, and leaves no transaction open', async () => {
    const before = tokenHash()
    await engine.set(before, 'auth-late', subject())
    const token = tokenHash()
    server.pause()
    try {
      // The log in's transaction begins on the idle connection, then waits on the frozen server.
      await expect(engine.setCapped(token, 'auth-late', subject(), 1)).rejects.toThrow(
        `PostgreSQL did not answer within ${STATEMENT_TIMEOUT_MS} ms`
      )
    } finally {
      server.resume()
    }
    await eventually(async () => (await engine.get(before).catch(() => undefined)) !== undefined)
    const open = async () =>
      Number(
        (
          await engine.pool.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
          )
        ).rows[0].n
      )
    await eventually(async () => (await open()) === 0)
    // The abandoned log in neither stored its session nor ended the one it would have capped.
    expect(await engine.get(token)).toBeUndefined()
    expect(Object.keys(await engine.getAll('auth-late'))).toEqual([before])
  })
})
