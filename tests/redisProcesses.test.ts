import { join } from 'node:path'
import { AppProcess, ROOT } from './support/appProcess'
import { describeWithRedis, RedisServer } from './support/redisServer'

/** An app instance in its own process: express, the session middleware, and a RedisEngine on `redisPort`. */
function appSource(redisPort: number, engineOptions: object): string {
  return `
    const express = require('express')
    const { session, authenticateRequest, Session } = require(${JSON.stringify(join(ROOT, 'src/index.ts'))})
    const { RedisEngine } = require(${JSON.stringify(join(ROOT, 'src/redis.ts'))})
    const app = express()
    const engine = new RedisEngine({ port: ${redisPort}, ...${JSON.stringify(engineOptions)} })
    app.use(session({ engine }))
    app.post('/login/:userId', async (req, res) => {
      await req.session.logIn(req.params.userId)
      res.json({ token: req.session.token })
    })
    app.get('/me', authenticateRequest, (req, res) => res.json({ userId: req.session.authenticatableId }))
    app.post('/logout', authenticateRequest, async (req, res) => {
      await req.session.logOut()
      res.end()
    })
    app.post('/logout-others', authenticateRequest, async (req, res) => {
      await req.session.logOutOthers()
      res.end()
    })
    app.post('/logout-all', authenticateRequest, async (req, res) => {
      await Session.logOutAll(req.session.authenticatableId, { engine })
      res.end()
    })
    const server = app.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port))
  `
}

describeWithRedis('Two app instances in separate processes sharing one Redis', () => {
  let server: RedisServer
  let first: AppProcess
  let second: AppProcess

  beforeAll(async () => {
    server = await RedisServer.start()
    ;[first, second] = await Promise.all([
      AppProcess.start(appSource(server.port, {})),
      AppProcess.start(appSource(server.port, {}))
    ])
  }, 30_000)

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await server?.stop()
  })

  it('see the same sessions: logged in on one, used and logged out on the other, rejected on the first', async () => {
    const login = await first.fetch('/login/julia', { method: 'POST' })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const auth = { headers: { Authorization: `Bearer ${token}` } }

    const onSecond = await second.fetch('/me', auth)
    expect(onSecond.status).toBe(200)
    expect(await onSecond.json()).toEqual({ userId: 'julia' })

    expect((await second.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
    expect((await first.fetch('/me', auth)).status).toBe(401)
    expect((await second.fetch('/me', auth)).status).toBe(401)
  })
})

describeWithRedis('Two app instances with localCache in separate processes', () => {
  let server: RedisServer
  let first: AppProcess
  let second: AppProcess

  beforeAll(async () => {
    server = await RedisServer.start()
    const options = { localCache: { maxEntries: 100 } }
    ;[first, second] = await Promise.all([
      AppProcess.start(appSource(server.port, options)),
      AppProcess.start(appSource(server.port, options))
    ])
  }, 30_000)

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await server?.stop()
  })

  async function logIn(app: AppProcess, userId: string): Promise<{ headers: Record<string, string> }> {
    const login = await app.fetch(`/login/${userId}`, { method: 'POST' })
    const { token } = (await login.json()) as { token: string }
    return { headers: { Authorization: `Bearer ${token}` } }
  }

  /** Reads the session on both instances twice, so that both serve it from their cache. */
  async function useEverywhere(auth: { headers: Record<string, string> }): Promise<void> {
    for (const app of [first, second, first, second]) expect((await app.fetch('/me', auth)).status).toBe(200)
  }

  it('refuse a token on the other instance as soon as logOut() resolved on one', async () => {
    const auth = await logIn(first, 'ana')
    await useEverywhere(auth)
    expect((await first.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
    expect((await second.fetch('/me', auth)).status).toBe(401)
    expect((await first.fetch('/me', auth)).status).toBe(401)
  })

  it('refuse the other sessions as soon as logOutOthers() resolved, and keep the current one', async () => {
    const [current, other] = [await logIn(first, 'ben'), await logIn(second, 'ben')]
    await useEverywhere(current)
    await useEverywhere(other)
    expect((await first.fetch('/logout-others', { method: 'POST', ...current })).status).toBe(200)
    expect((await second.fetch('/me', other)).status).toBe(401)
    expect((await first.fetch('/me', other)).status).toBe(401)
    expect((await second.fetch('/me', current)).status).toBe(200)
  })

  it('refuse every session as soon as logOutAll() resolved', async () => {
    const sessions = [await logIn(first, 'cy'), await logIn(second, 'cy')]
    for (const auth of sessions) await useEverywhere(auth)
    expect((await second.fetch('/logout-all', { method: 'POST', ...sessions[0] })).status).toBe(200)
    for (const auth of sessions) {
      expect((await first.fetch('/me', auth)).status).toBe(401)
      expect((await second.fetch('/me', auth)).status).toBe(401)
    }
  })
})
