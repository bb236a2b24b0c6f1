import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import type { Express } from 'express'
import express from 'express'
import request from 'supertest'
import { session, Session, SessionEngineError } from 'express-session-registry'
import { SqliteEngine, SqliteEngineError } from 'express-session-registry/sqlite'
import { bearer, createApp, expressVersions, sessionCookie, type ErrorLog } from '../support/app'
import { sqliteTestbed } from '../support/sqliteFiles'

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')
const auth = (token: string) => ({ Authorization: bearer(token) })

async function logIn(app: Express, userId: string): Promise<{ token: string; id: string; cookie: string }> {
  const response = await request(app).post('/login').send({ userId }).expect(200)
  return {
    token: response.body.token as string,
    id: response.body.session.id as string,
    cookie: sessionCookie(response)!.split(';')[0]
  }
}

const bed = sqliteTestbed()

describe('Sessions in SQLite, through HTTP', () => {
  const file = bed.file()
  const engine = bed.newEngine({ filename: file })
  const admin = new Database(file)
  afterAll(() => admin.close())

  const rowsOf = (userId: string) =>
    admin
      .prepare<[number, string], { token: string; live: number }>(
        'SELECT token, expires_at > ? AS live FROM session_registry WHERE category = ?'
      )
      .all(Date.now(), `auth-${userId}`)

  describe.each(expressVersions)('the HTTP flow on %s', (versionName, version) => {
    const user = (name: string) => `${name}-${versionName.replace(' ', '')}`
    const app = createApp(version, { engine, idleTimeout: 60_000 })

    it('logs in, and recognises the session by bearer token and by cookie', async () => {
      const { token, id, cookie } = await logIn(app, user('alice'))
      const me = await request(app).get('/me').set(auth(token)).expect(200)
      expect(me.body).toMatchObject({ userId: user('alice'), id })
      await request(app).get('/me').set('Cookie', cookie).expect(200)
      await request(app).get('/me').expect(401)
    })

    it('stores one live row under the token hash, and the token nowhere in the file', async () => {
      const { token } = await logIn(app, user('row'))
      expect(rowsOf(user('row'))).toEqual([{ token: tokenHash(token), live: 1 }])
      const everything = admin.prepare('SELECT * FROM session_registry').all()
      expect(JSON.stringify(everything)).not.toContain(token)
    })

    it('lists the sessions by id without tokens, logs the others out, then every one', async () => {
      const [a, b, c] = [await logIn(app, user('bob')), await logIn(app, user('bob')), await logIn(app, user('bob'))]
      const { body } = await request(app).get('/sessions').set(auth(b.token)).expect(200)
      expect(Object.keys(body).sort()).toEqual([a.id, b.id, c.id].sort())
      expect(body[b.id]).toMatchObject({ current: true })
      expect(JSON.stringify(body)).not.toContain(a.token)
      await request(app).post('/logout-others').set(auth(b.token)).expect(204)
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(200)
      await Session.logOutAll(user('bob'), { engine })
      await request(app).get('/me').set(auth(b.token)).expect(401)
      expect(rowsOf(user('bob'))).toEqual([])
    })

    it('logs out: the token is rejected and the row is gone', async () => {
      const { token } = await logIn(app, user('carol'))
      await request(app).post('/logout').set(auth(token)).expect(200)
      await request(app).get('/me').set(auth(token)).expect(401)
      expect(rowsOf(user('carol'))).toEqual([])
    })

    it('records a device id over the live session', async () => {
      const { token, id } = await logIn(app, user('fay'))
      await request(app).post('/device').set(auth(token)).send({ deviceId: 'pixel-8' }).expect(200)
      const { body } = await request(app).get('/sessions').set(auth(token)).expect(200)
      expect(body[id]).toMatchObject({ deviceId: 'pixel-8' })
    })

    it('ends the least recently used session past maxSessionsPerUser', async () => {
      const capped = createApp(version, { engine, maxSessionsPerUser: 2 })
      const first = await logIn(capped, user('dan'))
      await logIn(capped, user('dan'))
      await logIn(capped, user('dan'))
      await request(capped).get('/me').set(auth(first.token)).expect(401)
      expect(rowsOf(user('dan'))).toHaveLength(2)
    })
  })

  describe('with the engine named', () => {
    it('opens engineOptions.filename, prepares it once, and closes it on release', async () => {
      const named = bed.file()
      const middleware = session({ engine: 'sqlite', engineOptions: { filename: named, table: 'named' } })
      const app = createApp(express, undefined, { errors: [] }, middleware)
      const { token } = await logIn(app, 'gina')
      await Promise.all(Array.from({ length: 5 }, () => request(app).get('/me').set(auth(token)).expect(200)))
      await middleware.release()
      const reopened = new Database(named, { readonly: true })
      expect(reopened.prepare('SELECT token FROM named').pluck().all()).toEqual([tokenHash(token)])
      reopened.close()
    })

    it('reports bad engineOptions to the error handler as a TypeError naming the option', async () => {
      const log: ErrorLog = { errors: [] }
      const app = createApp(express, { engine: 'sqlite', engineOptions: { fileName: bed.file() } }, log)
      await request(app).post('/login').send({ userId: 'x' }).expect(503)
      expect(String((log.errors[0] as Error).cause ?? log.errors[0])).toMatch(/"fileName".*did you mean "filename"/)
    })
  })
})

describe('SQLite faults, through HTTP', () => {
  it.each(expressVersions)(
    'a database locked by another connection is a 503-able SessionEngineError within the busy timeout on %s',
    async (_name, version) => {
      const file = bed.file()
      const engine = bed.newEngine({ filename: file, busyTimeout: 100 })
      const log: ErrorLog = { errors: [] }
      const app = createApp(version, { engine }, log)
      const { token } = await logIn(app, 'locked')
      const locker = new Database(file)
      locker.exec('BEGIN EXCLUSIVE')
      try {
        const response = await request(app).post('/login').send({ userId: 'locked' }).expect(503)
        expect(response.body).toEqual({ error: 'SessionEngineError' })
        const [error] = log.errors as SessionEngineError[]
        expect(error).toBeInstanceOf(SessionEngineError)
        expect(error.status).toBe(503)
        expect(error.cause).toBeInstanceOf(SqliteEngineError)
        expect(error.cause).toMatchObject({ code: 'ESR_SQLITE', sqliteCode: 'SQLITE_BUSY' })
        // Reads do not wait for the lock in WAL mode.
        await request(app).get('/me').set(auth(token)).expect(200)
      } finally {
        locker.exec('ROLLBACK')
        locker.close()
      }
      await logIn(app, 'locked')
    }
  )

  it.each(expressVersions)(
    'a read-only database serves sessions and turns log ins into a 503 with SQLITE_READONLY on %s',
    async (_name, version) => {
      const file = bed.file()
      const { token } = await logIn(createApp(version, { engine: bed.newEngine({ filename: file }) }), 'ro')
      const readonly = new Database(file, { readonly: true })
      const log: ErrorLog = { errors: [] }
      const app = createApp(version, { engine: new SqliteEngine({ database: readonly }) }, log)
      await request(app).get('/me').set(auth(token)).expect(200)
      await request(app).post('/login').send({ userId: 'ro' }).expect(503)
      expect((log.errors[0] as SessionEngineError).cause).toMatchObject({
        code: 'ESR_SQLITE',
        sqliteCode: 'SQLITE_READONLY'
      })
      readonly.close()
    }
  )
})
