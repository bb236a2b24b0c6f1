import { createHash } from 'node:crypto'
import type { Express } from 'express'
import express from 'express'
import request from 'supertest'
import { createClient, createCluster } from 'redis'
import { session, Session } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { bearer, createApp, type ErrorLog, expressVersions, sessionCookie } from './support/app'
import { describeWithRedis, eventually, RedisCluster, RedisMonitor, RedisServer, redisCli } from './support/redisServer'

const userAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** The key hash the core stores a token under (no registryId). */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

/** Logs `userId` in and returns the token, the session id and the `session=` cookie pair. */
async function logIn(app: Express, userId: string): Promise<{ token: string; id: string; cookie: string }> {
  const response = await request(app).post('/login').set('User-Agent', userAgent).send({ userId }).expect(200)
  const token = response.body.token as string
  expect(response.headers.authorization).toBe(`bearer ${token}`)
  const cookie = sessionCookie(response)
  expect(cookie).toBeDefined()
  return { token, id: response.body.session.id as string, cookie: cookie!.split(';')[0] }
}

const auth = (token: string) => ({ Authorization: bearer(token) })

type Raw = Pick<ReturnType<typeof createClient>, 'exists' | 'pTTL' | 'zRange'>

/** The whole HTTP flow over one engine, on Express 4 and 5. */
function describeHttpFlow(setup: () => { engine: RedisEngine; raw: Raw }): void {
  describe.each(expressVersions)('the HTTP flow on %s', (versionName, version) => {
    const idleTimeout = 60_000
    const user = (name: string) => `${name}-${versionName.replace(' ', '')}`
    let app: Express
    let engine: RedisEngine
    let raw: Raw

    beforeAll(() => {
      ;({ engine, raw } = setup())
      app = createApp(version, { engine, idleTimeout })
    })

    it('logs in, and recognises the session by bearer token and by cookie', async () => {
      const { token, id, cookie } = await logIn(app, user('alice'))
      const byBearer = await request(app).get('/me').set(auth(token)).expect(200)
      expect(byBearer.body).toMatchObject({ userId: user('alice'), id })
      await request(app).get('/me').set('Cookie', cookie).expect(200)
      await request(app).get('/me').expect(401)
    })

    it('stores the session under its token hash with the idle timeout as TTL, and its index with it', async () => {
      const { token } = await logIn(app, user('ttl'))
      const key = `universal-registry:t:${tokenHash(token)}`
      const index = `universal-registry:i:auth-${user('ttl')}`
      expect(await raw.exists(key)).toBe(1)
      expect(await raw.pTTL(key)).toBeGreaterThan(idleTimeout - 5_000)
      expect(await raw.pTTL(key)).toBeLessThanOrEqual(idleTimeout)
      expect(await raw.zRange(index, 0, -1)).toEqual([tokenHash(token)])
      expect(await raw.pTTL(index)).toBeGreaterThan(idleTimeout - 5_000)
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

    it('logs out: the token is rejected, and the entry and its index member are gone', async () => {
      const { token } = await logIn(app, user('carol'))
      await request(app).post('/logout').set(auth(token)).expect(200)
      await request(app).get('/me').set(auth(token)).expect(401)
      expect(await raw.exists(`universal-registry:t:${tokenHash(token)}`)).toBe(0)
      expect(await raw.zRange(`universal-registry:i:auth-${user('carol')}`, 0, -1)).toEqual([])
    })

    it('logs the other sessions out and keeps the current one', async () => {
      const [a, b, c] = [await logIn(app, user('dave')), await logIn(app, user('dave')), await logIn(app, user('dave'))]
      await request(app).post('/logout-others').set(auth(b.token)).expect(204)
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(c.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(200)
      expect(await raw.zRange(`universal-registry:i:auth-${user('dave')}`, 0, -1)).toEqual([tokenHash(b.token)])
    })

    it('logs every session out with Session.logOutAll', async () => {
      const [a, b] = [await logIn(app, user('erin')), await logIn(app, user('erin'))]
      await Session.logOutAll(user('erin'), { engine })
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(401)
      expect(await raw.zRange(`universal-registry:i:auth-${user('erin')}`, 0, -1)).toEqual([])
    })

    it('lets a session expire with its TTL', async () => {
      const shortApp = createApp(version, { engine, idleTimeout: 500 })
      const { token } = await logIn(shortApp, user('frank'))
      const key = `universal-registry:t:${tokenHash(token)}`
      expect(await raw.pTTL(key)).toBeLessThanOrEqual(500)
      await eventually(async () => (await raw.exists(key)) === 0)
      await request(shortApp).get('/me').set(auth(token)).expect(401)
      expect(await raw.exists(`universal-registry:i:auth-${user('frank')}`)).toBe(0)
    })
  })
}

describeWithRedis('Sessions in Redis, through HTTP', () => {
  describe('on standalone Redis', () => {
    let server: RedisServer
    let raw: ReturnType<typeof createClient>
    let engine: RedisEngine

    beforeAll(async () => {
      server = await RedisServer.start()
      raw = createClient({ url: server.url })
      await raw.connect()
      engine = new RedisEngine({ port: server.port })
    })
    afterAll(async () => {
      await engine?.release()
      await raw?.close()
      await server?.stop()
    })

    describeHttpFlow(() => ({ engine, raw }))

    it('keeps a desktop browser session, index included, within 600 bytes of Redis memory', async () => {
      const { token } = await logIn(createApp(express, { engine }), '18427')
      const entry = await raw.memoryUsage(`universal-registry:t:${tokenHash(token)}`)
      const index = await raw.memoryUsage('universal-registry:i:auth-18427')
      expect(entry! + index!).toBeLessThanOrEqual(600)
    })

    describe('with hostile tokens', () => {
      let monitor: RedisMonitor
      beforeAll(async () => {
        monitor = await RedisMonitor.start(server.port)
      })
      afterAll(() => monitor?.stop())

      it('answers 401 to each, and none reaches Redis as a pattern', async () => {
        const app = createApp(express, { engine })
        const { token } = await logIn(app, 'victim')
        const hostile = ['*', '?', '?'.repeat(43), '[a-z]*', `${token.slice(0, 10)}*`, `${token.slice(0, 42)}?`]
        hostile.push('*'.repeat(43), '\\', '\\*', 'a\\b', '__proto__', 'constructor', 'toString', 'hasOwnProperty')
        await monitor.commands()
        for (const value of hostile) {
          await request(app).get('/me').set('Authorization', `Bearer ${value}`).expect(401)
          await request(app)
            .get('/me')
            .set('Cookie', `session=${encodeURIComponent(value)}`)
            .expect(401)
        }
        const sent = await monitor.commands()
        for (const args of sent) {
          // Whatever reaches Redis is one exact key: the prefix and a token hash, never the raw value.
          expect(args).toEqual(['GET', expect.stringMatching(/^universal-registry:t:[A-Za-z0-9_-]{43}$/)])
        }
        await request(app).get('/me').set(auth(token)).expect(200)
      })
    })

    describe('when a logOut lands between an access-tracking read and its write', () => {
      it('leaves the session logged out', async () => {
        const gated = new RedisEngine({ port: server.port, identifier: 'gated' })
        const update = gated.update.bind(gated)
        let reached!: () => void
        const atUpdate = new Promise<void>((resolve) => (reached = resolve))
        let open!: () => void
        const gate = new Promise<void>((resolve) => (open = resolve))
        // Holds the first access-tracking write until the logOut below has completed.
        let updates = 0
        gated.update = async (...args: Parameters<RedisEngine['update']>) => {
          updates += 1
          if (updates === 1) {
            reached()
            await gate
          }
          return update(...args)
        }
        const app = createApp(express, { engine: gated, trackSessionAccess: true })
        const { token } = await logIn(app, 'hugo')
        const tracked = request(app).get('/me').set(auth(token))
        const trackedDone = tracked.then((response) => response.status)
        await atUpdate
        await request(app).post('/logout').set(auth(token)).expect(200)
        open()
        expect(await trackedDone).toBe(401)
        await request(app).get('/me').set(auth(token)).expect(401)
        expect(await raw.exists(`gated:t:${tokenHash(token)}`)).toBe(0)
        expect(await raw.zRange('gated:i:auth-hugo', 0, -1)).toEqual([])
        await gated.release()
      })
    })
  })

  describe('with the engine named', () => {
    let server: RedisServer
    beforeAll(async () => {
      server = await RedisServer.start()
    })
    afterAll(() => server?.stop())

    it('builds one RedisEngine per middleware and connects it once, not once per request', async () => {
      const prepare = jest.spyOn(RedisEngine.prototype, 'prepare')
      try {
        const app = createApp(express, { engine: 'redis', engineOptions: { port: server.port, identifier: 'named' } })
        const { token } = await logIn(app, 'gina')
        await Promise.all(Array.from({ length: 20 }, () => request(app).get('/me').set(auth(token)).expect(200)))
        expect(await redisCli(server.port, 'EXISTS', `named:t:${tokenHash(token)}`)).toBe('1')
        expect(prepare).toHaveBeenCalledTimes(1)
        const named = prepare.mock.contexts[0] as RedisEngine
        expect(named).toBeInstanceOf(RedisEngine)
        const connections = (await redisCli(server.port, 'CLIENT', 'LIST')).split('\n')
        // This redis-cli and the engine's one connection.
        expect(connections).toHaveLength(2)
        await named.release()
      } finally {
        prepare.mockRestore()
      }
    })

    it('closes that engine when the middleware is released, and only then', async () => {
      const connections = async () => (await redisCli(server.port, 'CLIENT', 'LIST')).split('\n').length
      const middleware = session({ engine: 'redis', engineOptions: { port: server.port, identifier: 'released' } })
      const app = express()
      app.use(middleware)
      app.get('/', (request, response) => {
        response.json({ authenticated: request.session.authenticated })
      })
      await request(app)
        .get('/')
        .set(auth('A'.repeat(43)))
        .expect(200, { authenticated: false })
      expect(await connections()).toBe(2)
      await middleware.release()
      await eventually(async () => (await connections()) === 1)
    })
  })

  describe('on Redis Cluster', () => {
    let cluster: RedisCluster
    let client: ReturnType<typeof createCluster>
    let engine: RedisEngine

    beforeAll(async () => {
      cluster = await RedisCluster.start()
      client = createCluster({ rootNodes: cluster.rootNodes })
      await client.connect()
      engine = new RedisEngine({ client })
    })
    afterAll(async () => {
      await client?.close()
      await cluster?.stop()
    })

    describeHttpFlow(() => ({ engine, raw: client }))
  })
})

describeWithRedis('Sessions in Redis when Redis dies', () => {
  let server: RedisServer
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled)
    server = await RedisServer.start({ appendonly: true })
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await server?.stop()
  })

  it.each(expressVersions)(
    'on %s, sends requests to the error handler within 2 s, and takes the same token again once Redis is back',
    async (_versionName, version) => {
      const engine = new RedisEngine({ port: server.port })
      const log: ErrorLog = { errors: [] }
      const app = createApp(version, { engine }, log)
      const { token } = await logIn(app, 'ivan')

      await server.kill()
      const started = Date.now()
      const responses = await Promise.all([
        request(app).get('/me').set(auth(token)),
        request(app).get('/sessions').set(auth(token)),
        request(app).post('/login').send({ userId: 'ivan' }),
        request(app).post('/logout').set(auth(token))
      ])
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(responses.map((response) => response.status)).toEqual([503, 503, 503, 503])
      expect(log.errors).toHaveLength(4)
      expect(log.errors).toEqual(Array(4).fill(expect.objectContaining({ name: 'SessionEngineError', status: 503 })))

      await server.restart()
      await eventually(async () => (await request(app).get('/me').set(auth(token))).status === 200)
      expect(unhandled).toEqual([])
      await engine.release()
    }
  )
})
