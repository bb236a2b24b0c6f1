import { createHash, randomBytes } from 'node:crypto'
import type { Express } from 'express'
import express from 'express'
import { Pool } from 'pg'
import request from 'supertest'
import { session, Session } from 'express-session-registry'
import { PostgresEngine } from 'express-session-registry/postgres'
import { bearer, createApp, expressVersions, sessionCookie } from './support/app'
import { describeWithPostgres, eventually, PostgresServer } from './support/postgresServer'

const userAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** The key hash the core stores a token under (no registryId). */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

const auth = (token: string) => ({ Authorization: bearer(token) })

/** Logs `userId` in and returns the token, the session id and the `session=` cookie pair. */
async function logIn(app: Express, userId: string): Promise<{ token: string; id: string; cookie: string }> {
  const response = await request(app).post('/login').set('User-Agent', userAgent).send({ userId }).expect(200)
  const cookie = sessionCookie(response)
  expect(cookie).toBeDefined()
  return { token: response.body.token as string, id: response.body.session.id as string, cookie: cookie!.split(';')[0] }
}

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

  describe.each(expressVersions)('the HTTP flow on %s', (versionName, version) => {
    const idleTimeout = 60_000
    const user = (name: string) => `${name}-${versionName.replace(' ', '')}`
    let app: Express

    beforeAll(() => {
      app = createApp(version, { engine, idleTimeout })
    })

    it('logs in, and recognises the session by bearer token and by cookie', async () => {
      const { token, id, cookie } = await logIn(app, user('alice'))
      const byBearer = await request(app).get('/me').set(auth(token)).expect(200)
      expect(byBearer.body).toMatchObject({ userId: user('alice'), id })
      await request(app).get('/me').set('Cookie', cookie).expect(200)
      await request(app).get('/me').expect(401)
    })

    it('stores one row under the token hash, expiring with the idle timeout, and never the token', async () => {
      const { token } = await logIn(app, user('row'))
      const rows = await rowsOf(user('row'))
      expect(rows).toEqual([{ token: tokenHash(token), live: true, ttl: expect.any(Number) }])
      expect(rows[0].ttl).toBeGreaterThan(idleTimeout - 5_000)
      expect(rows[0].ttl).toBeLessThanOrEqual(idleTimeout)
      const everything = await admin.query('SELECT row_to_json(s)::text AS json FROM session_registry s')
      for (const { json } of everything.rows) expect(json).not.toContain(token)
    })

    it('lists the active sessions by id, without tokens', async () => {
      const first = await logIn(app, user('bob'))
      const second = await logIn(app, user('bob'))
      const { body } = await request(app).get('/sessions').set(auth(second.token)).expect(200)
      expect(Object.keys(body).sort()).toEqual([first.id, second.id].sort())
      expect(body[second.id]).toMatchObject({ current: true })
      expect(JSON.stringify(body)).not.toContain(first.token)
      expect(JSON.stringify(body)).not.toContain(second.token)
    })

    it('logs out: the token is rejected and the row is gone', async () => {
      const { token } = await logIn(app, user('carol'))
      await request(app).post('/logout').set(auth(token)).expect(200)
      await request(app).get('/me').set(auth(token)).expect(401)
      expect(await rowsOf(user('carol'))).toEqual([])
    })

    it('logs the other sessions out and keeps the current one', async () => {
      const [a, b, c] = [await logIn(app, user('dave')), await logIn(app, user('dave')), await logIn(app, user('dave'))]
      await request(app).post('/logout-others').set(auth(b.token)).expect(204)
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(c.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(200)
      expect((await rowsOf(user('dave'))).map((row) => row.token)).toEqual([tokenHash(b.token)])
    })

    it('logs every session out with Session.logOutAll', async () => {
      const [a, b] = [await logIn(app, user('erin')), await logIn(app, user('erin'))]
      await Session.logOutAll(user('erin'), { engine })
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(401)
      expect(await rowsOf(user('erin'))).toEqual([])
    })

    it('records a device id over the live session', async () => {
      const { token, id } = await logIn(app, user('fay'))
      await request(app).post('/device').set(auth(token)).send({ deviceId: 'pixel-8' }).expect(200)
      const { body } = await request(app).get('/sessions').set(auth(token)).expect(200)
      expect(body[id]).toMatchObject({ deviceId: 'pixel-8' })
    })

    it('lets a session lapse with its idle timeout', async () => {
      const shortApp = createApp(version, { engine, idleTimeout: 300 })
      const { token } = await logIn(shortApp, user('frank'))
      await request(shortApp).get('/me').set(auth(token)).expect(200)
      // Polled in the table, not over HTTP: every use would slide the idle timeout forward.
      await eventually(async () => (await rowsOf(user('frank')))[0]?.live === false)
      await request(shortApp).get('/me').set(auth(token)).expect(401)
    })
  })

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
