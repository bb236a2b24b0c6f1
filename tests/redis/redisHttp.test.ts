import express from 'express'
import request from 'supertest'
import { createClient, createCluster } from 'redis'
import { session } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { createApp, type ErrorLog, expressVersions } from '../support/app'
import { auth, describeHostileTokens, describeHttpFlow, logIn, tokenHash } from '../support/httpFlow'
import { describeWithRedis, eventually, RedisCluster, RedisServer, redisCli } from '../support/redisServer'

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

    it('keeps a desktop browser session, index included, within 600 bytes of Redis memory with hash-max-listpack-value 256', async () => {
      await raw.configSet('hash-max-listpack-value', '256')
      try {
        const { token } = await logIn(createApp(express, { engine }), '18427')
        const entry = await raw.memoryUsage(`universal-registry:t:${tokenHash(token)}`)
        const index = await raw.memoryUsage('universal-registry:i:auth-18427')
        expect(entry! + index!).toBeLessThanOrEqual(600)
      } finally {
        await raw.configSet('hash-max-listpack-value', '64')
      }
    })

    describeHostileTokens(() => ({ engine, ports: [server.port] }))

    describe('when a logOut lands between an access-tracking read and its write', () => {
      it('leaves the session logged out', async () => {
        const gated = new RedisEngine({ port: server.port, identifier: 'gated' })
        const patch = gated.patch.bind(gated)
        let reached!: () => void
        const atUpdate = new Promise<void>((resolve) => (reached = resolve))
        let open!: () => void
        const gate = new Promise<void>((resolve) => (open = resolve))
        // Holds the first access-tracking write until the logOut below has completed.
        let updates = 0
        gated.patch = async (...args: Parameters<RedisEngine['patch']>) => {
          updates += 1
          if (updates === 1) {
            reached()
            await gate
          }
          return patch(...args)
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
    describeHostileTokens(() => ({ engine, ports: cluster.nodes.map((node) => node.port) }))
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
