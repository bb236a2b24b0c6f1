import { randomBytes } from 'node:crypto'
import express from 'express'
import { Pool } from 'pg'
import request from 'supertest'
import { session } from 'express-session-registry'
import { PostgresEngine } from 'express-session-registry/postgres'
import { createApp } from '../support/app'
import { auth, describeHttpFlow, logIn, type StoredSessions, tokenHash } from '../support/httpFlow'
import { describeWithPostgres, PostgresServer } from '../support/postgresServer'

describeWithPostgres('Sessions in PostgreSQL, through HTTP', () => {
  let server: PostgresServer
  let admin: Pool
  let engine: PostgresEngine

  /** The rows stored for `userId`, as the table holds them. */
  async function rowsOf(userId: string): Promise<Array<{ token: string; live: boolean; ttl: number }>> {
    const { rows } = await admin.query(
      `SELECT token, expires_at > now() AS live, (extract(epoch FROM expires_at - now()) * 1000)::float8 AS ttl
       FROM session_registry WHERE category = $1`,
      [`auth-${userId}`]
    )
    return rows
  }

  beforeAll(async () => {
    server = await PostgresServer.start()
    admin = new Pool({ connectionString: server.connectionString, max: 1 })
    // No background sweep: the statement counts below must see the requests' statements only.
    engine = new PostgresEngine({ connectionString: server.connectionString, sweepInterval: Infinity })
  })

  afterAll(async () => {
    await engine?.release()
    await admin?.end()
    await server?.destroy()
  })

  /** The table's sessions: a row is an entry, the rows of a category its index, the token never in it. */
  const store: StoredSessions = {
    ttlOf: async (token) => {
      const { rows } = await admin.query(
        `SELECT (extract(epoch FROM expires_at - now()) * 1000)::float8 AS ttl FROM session_registry
         WHERE token = $1 AND expires_at > now()`,
        [tokenHash(token)]
      )
      return rows[0]?.ttl
    },
    indexOf: async (userId) => (await rowsOf(userId)).map((row) => row.token),
    checkStored: async (token, userId) => {
      expect(await rowsOf(userId)).toEqual([{ token: tokenHash(token), live: true, ttl: expect.any(Number) }])
      const everything = await admin.query('SELECT row_to_json(s)::text AS json FROM session_registry s')
      for (const { json } of everything.rows) expect(json).not.toContain(token)
    },
    checkLapsed: async (userId) => {
      expect((await rowsOf(userId)).map((row) => row.live)).toEqual([false])
    }
  }

  describeHttpFlow(() => ({ engine, store }))

  describe('with hostile user ids', () => {
    it.each(
      [
        ["'; DELETE FROM session_registry; --"],
        ["' OR 1=1 --"],
        ['$1::text'],
        ['a\u0000b'],
        ['\\0'],
        ['x'.repeat(10_240)],
        [randomBytes(7_680).toString('base64')]
      ].map(([userId]) => [JSON.stringify(userId).slice(0, 40), userId])
    )('logs %s in, lists and signs out exactly that user', async (_label, userId) => {
      const app = createApp(express, { engine })
      const bystander = await logIn(app, 'bystander')
      const [first, second] = [await logIn(app, userId), await logIn(app, userId)]
      const me = await request(app).get('/me').set(auth(first.token)).expect(200)
      expect(me.body.userId).toBe(userId)
      const { body } = await request(app).get('/sessions').set(auth(second.token)).expect(200)
      expect(Object.keys(body).sort()).toEqual([first.id, second.id].sort())
      await request(app).post('/logout-others').set(auth(second.token)).expect(204)
      await request(app).get('/me').set(auth(first.token)).expect(401)
      await request(app).get('/me').set(auth(second.token)).expect(200)
      await request(app).get('/me').set(auth(bystander.token)).expect(200)
    })
  })

  describe('statements per request', () => {
    /** Every statement PostgreSQL ran since the last call, with how often, from pg_stat_statements. */
    async function statementsRun(): Promise<Array<{ query: string; calls: number }>> {
      const { rows } = await admin.query<{ query: string; calls: number }>(
        `SELECT query, calls::int FROM pg_stat_statements
         WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY query`
      )
      await admin.query('SELECT pg_stat_statements_reset()')
      return rows
    }

    beforeAll(async () => {
      await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    })

    it('reads an authenticated request with one primary-key SELECT, and nothing else', async () => {
      const app = createApp(express, { engine })
      const { token } = await logIn(app, 'counted')
      await statementsRun()
      await request(app).get('/me').set(auth(token)).expect(200)
      expect(await statementsRun()).toEqual([
        {
          query:
            'SELECT fields FROM "session_registry" WHERE token = $1 AND (expires_at IS NULL OR expires_at > now())',
          calls: 1
        }
      ])
    })

    it('sends hostile tokens nowhere: each is a 401 with no statement at all', async () => {
      const app = createApp(express, { engine })
      await statementsRun()
      for (const value of [
        "' OR '1'='1",
        '*',
        '%',
        'a\u0000b',
        'x'.repeat(10_240),
        "'); DROP TABLE session_registry;--"
      ]) {
        await request(app)
          .get('/me')
          .set('Authorization', `Bearer ${encodeURIComponent(value)}`)
          .expect(401)
        await request(app)
          .get('/me')
          .set('Cookie', `session=${encodeURIComponent(value)}`)
          .expect(401)
      }
      expect(await statementsRun()).toEqual([])
    })
  })

  describe('with the engine named', () => {
    it('builds one PostgresEngine per middleware, prepares it once, and closes it on release', async () => {
      const prepare = jest.spyOn(PostgresEngine.prototype, 'prepare')
      try {
        const middleware = session({
          engine: 'postgres',
          engineOptions: { connectionString: server.connectionString, table: 'named' }
        })
        const app = express()
        app.use(express.json())
        app.use(middleware)
        app.post('/login', (req, res, next) => {
          req.session.logIn('gina').then(() => res.json({ token: req.session.token }), next)
        })
        app.get('/me', (req, res) => {
          res.json({ authenticated: req.session.authenticated })
        })
        const { body } = await request(app).post('/login').expect(200)
        await Promise.all(
          Array.from({ length: 10 }, () =>
            request(app).get('/me').set(auth(body.token)).expect(200, { authenticated: true })
          )
        )
        expect(prepare).toHaveBeenCalledTimes(1)
        const named = prepare.mock.contexts[0] as PostgresEngine
        expect(named.tableName).toBe('"named"')
        expect((await admin.query('SELECT count(*)::int AS n FROM named')).rows[0].n).toBe(1)
        await middleware.release()
        expect(named.pool.ended).toBe(true)
      } finally {
        prepare.mockRestore()
      }
    })
  })
})
