import { join } from 'node:path'
import { AppProcess, ROOT } from './support/appProcess'
import { describeWithPostgres, PostgresServer } from './support/postgresServer'

/** An app instance in its own process: express, the session middleware, and a PostgresEngine on `connectionString`. */
function appSource(connectionString: string): string {
  return `
    const express = require('express')
    const { session, authenticateRequest } = require(${JSON.stringify(join(ROOT, 'src/index.ts'))})
    const { PostgresEngine } = require(${JSON.stringify(join(ROOT, 'src/postgres.ts'))})
    const engine = new PostgresEngine({ connectionString: ${JSON.stringify(connectionString)} })
    const app = express()
    app.use(session({ engine }))
    app.post('/login/:userId', async (req, res) => {
      await req.session.logIn(req.params.userId)
      res.json({ token: req.session.token })
    })
    app.get('/me', authenticateRequest, (req, res) => res.json({ userId: req.session.authenticatableId }))
    app.get('/sessions', authenticateRequest, async (req, res) => res.json(await req.session.activeSessions()))
    app.post('/logout', authenticateRequest, async (req, res) => {
      await req.session.logOut()
      res.end()
    })
    // Both processes create the table at once, on start.
    engine.prepare().then(() => {
      const server = app.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port))
    })
  `
}

describeWithPostgres('Two app instances in separate processes sharing one PostgreSQL database', () => {
  let server: PostgresServer
  let first: AppProcess
  let second: AppProcess

  beforeAll(async () => {
    server = await PostgresServer.start()
    ;[first, second] = await Promise.all([
      AppProcess.start(appSource(server.connectionString)),
      AppProcess.start(appSource(server.connectionString))
    ])
  }, 30_000)

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await server?.destroy()
  })

  it('see the same sessions: logged in on one, listed and logged out on the other, rejected on the first', async () => {
    const login = await first.fetch('/login/julia', { method: 'POST' })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const auth = { headers: { Authorization: `Bearer ${token}` } }

    const onSecond = await second.fetch('/me', auth)
    expect(onSecond.status).toBe(200)
    expect(await onSecond.json()).toEqual({ userId: 'julia' })
    const listed = (await (await second.fetch('/sessions', auth)).json()) as Record<string, { current: boolean }>
    expect(Object.values(listed)).toEqual([expect.objectContaining({ current: true })])

    expect((await second.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
    expect((await first.fetch('/me', auth)).status).toBe(401)
    expect((await second.fetch('/me', auth)).status).toBe(401)
  })
})
