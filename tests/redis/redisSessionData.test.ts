import { createHash } from 'node:crypto'
import express from 'express'
import request from 'supertest'
import { createClient } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
import { session } from '../../src'
import { bearer } from '../support/app'
import { describeWithRedis, RedisMonitor, RedisServer } from '../support/redisServer'

declare module 'express-session-registry' {
  interface SessionData {
    orgId?: string
  }
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

describeWithRedis('session data in Redis', () => {
  let server: RedisServer
  let raw: ReturnType<typeof createClient>
  let engine: RedisEngine
  let monitor: RedisMonitor
  const app = express()

  beforeAll(async () => {
    server = await RedisServer.start()
    raw = createClient({ url: server.url })
    await raw.connect()
    engine = new RedisEngine({ port: server.port })
    monitor = await RedisMonitor.start(server.port)
    app.use(session({ engine }))
    app.post('/login', (req, res, next) => {
      req.session.logIn('ada', { data: { orgId: 'org-1' } }).then(() => res.json({ token: req.session.token }), next)
    })
    app.get('/org', (req, res) => {
      res.json({ orgId: req.session.data.orgId ?? null })
    })
  })
  afterAll(async () => {
    monitor?.stop()
    await engine?.release()
    await raw?.close()
    await server?.stop()
  })

  it('is stored inside the session entry, in its own field under its one-letter name', async () => {
    const { token } = (await request(app).post('/login').expect(200)).body
    const entry = await raw.hGetAll(`universal-registry:t:${tokenHash(token)}`)
    expect(JSON.parse(entry.D)).toEqual({ orgId: 'org-1' })
    expect(JSON.stringify(entry)).not.toContain(token)
  })

  it('arrives with the session: an authenticated request sends one command, the session HGETALL', async () => {
    const { token } = (await request(app).post('/login').expect(200)).body
    await monitor.commands()
    await request(app).get('/org').set('Authorization', bearer(token)).expect(200, { orgId: 'org-1' })
    expect(await monitor.commands()).toEqual([['HGETALL', `universal-registry:t:${tokenHash(token)}`]])
  })
})
