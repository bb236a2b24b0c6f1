import { createHmac } from 'node:crypto'
import { RedisStore } from 'connect-redis'
import express from 'express'
import expressSession from 'express-session'
import { createClient } from 'redis'
import request from 'supertest'
import { authenticateRequest, session } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { fromExpressSession, unsignedSessionId } from '../../examples/migrating/fromExpressSession'
import { describeWithRedis, RedisServer } from '../support/redisServer'

const SECRET = 'keyboard cat'

declare module 'express-session-registry' {
  interface SessionData {
    theme?: string
  }
}
declare module 'express-session' {
  interface SessionData {
    userId: string
    theme: string
  }
}

const setCookie = (response: request.Response, name: string): string | undefined =>
  (response.get('Set-Cookie') ?? []).find((line) => line.startsWith(`${name}=`))

describeWithRedis('Moving from express-session + connect-redis', () => {
  let server: RedisServer
  let client: ReturnType<typeof createClient>
  let store: RedisStore
  let engine: RedisEngine
  let oldApp: express.Express
  let newApp: express.Express

  beforeAll(async () => {
    server = await RedisServer.start()
    client = createClient({ url: server.url })
    await client.connect()
    store = new RedisStore({ client, prefix: 'sess:' })
    engine = new RedisEngine({ client })

    // The app as it was: express-session over connect-redis.
    oldApp = express()
    oldApp.use(expressSession({ store, secret: SECRET, resave: false, saveUninitialized: false }))
    oldApp.post('/login', (req, res) => {
      req.session.userId = 'ada'
      req.session.theme = 'dark'
      res.end()
    })

    // The app as it is now, with the old sessions still accepted.
    newApp = express()
    newApp.use(session({ engine }))
    newApp.use(
      fromExpressSession({
        store,
        secret: SECRET,
        userIdOf: (data) => data.userId,
        dataOf: (data) => ({ theme: data.theme })
      })
    )
    newApp.get('/me', authenticateRequest, (req, res) => {
      res.json({ userId: req.session.authenticatableId, data: req.session.data })
    })
  })
  afterAll(async () => {
    await engine?.release()
    await client?.close()
    await server?.stop()
  })

  async function oldSessionCookie(): Promise<{ cookie: string; sid: string }> {
    const response = await request(oldApp).post('/login').expect(200)
    const cookie = setCookie(response, 'connect.sid')!.split(';')[0]
    const sid = unsignedSessionId(decodeURIComponent(cookie.slice('connect.sid='.length)), [SECRET])!
    return { cookie, sid }
  }

  describe('a user logged in with express-session', () => {
    let response: request.Response
    let sid: string
    let cookie: string

    beforeAll(async () => {
      ;({ cookie, sid } = await oldSessionCookie())
      expect(await store.get(sid)).toMatchObject({ userId: 'ada' })
      response = await request(newApp).get('/me').set('Cookie', cookie)
    })

    it('is logged in on the first request, with the old data', () => {
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ userId: 'ada', data: { theme: 'dark' } })
    })

    it('gets a session of ours, which keeps them logged in afterwards', async () => {
      const ours = setCookie(response, 'session')
      expect(ours).toMatch(/^session=[\w-]{43};/)
      await request(newApp)
        .get('/me')
        .set('Cookie', ours!.split(';')[0])
        .expect(200, { userId: 'ada', data: { theme: 'dark' } })
    })

    it('has the old cookie cleared', () => {
      const cleared = setCookie(response, 'connect.sid')
      expect(cleared).toMatch(/^connect\.sid=;.*Expires=Thu, 01 Jan 1970/)
    })

    it('has the old store entry destroyed, so the old cookie alone no longer logs in', async () => {
      expect(await store.get(sid)).toBeNull()
      await request(newApp).get('/me').set('Cookie', cookie).expect(401)
    })
  })

  it('refuses an old cookie signed with another secret, and leaves its entry alone', async () => {
    const { sid } = await oldSessionCookie()
    const forged = `s:${sid}.${createHmac('sha256', 'guess').update(sid).digest('base64').replace(/=+$/, '')}`
    await request(newApp)
      .get('/me')
      .set('Cookie', `connect.sid=${encodeURIComponent(forged)}`)
      .expect(401)
    expect(await store.get(sid)).toMatchObject({ userId: 'ada' })
  })

  it('leaves a request with neither cookie as it was', async () => {
    const response = await request(newApp).get('/me').expect(401)
    expect(response.get('Set-Cookie')).toBeUndefined()
  })
})
