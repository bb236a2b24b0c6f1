import IoRedis, { type RedisOptions } from 'ioredis'
import IoRedis5 from 'ioredis5'
import IoValkey from 'iovalkey'
import { createClient, createClientPool } from 'redis'
import { createClient as createClientV4 } from 'redis4'
import request from 'supertest'
import express from 'express'
import { SessionEngineError, SessionError } from 'express-session-registry'
import { RedisEngine, RedisEvictionPolicyError, type RedisEngineOptions } from 'express-session-registry/redis'
import { createApp, type ErrorLog } from '../support/app'
import { engineConformance, tokenHash } from 'express-session-registry/testing'
import { auth, describeHostileTokens, describeHttpFlow, logIn } from '../support/httpFlow'
import { describeRedisWrites } from '../support/redisWrites'
import { describeSetCapped } from '../support/redisSetCapped'
import { describeWithRedis, freePort, RedisMonitor, RedisServer } from '../support/redisServer'

const subject = (overrides: Record<string, unknown> = {}) => ({
  id: 'x',
  userId: 'u',
  expiresAt: Date.now() + 60_000,
  ...overrides
})

/** Every `cause` down the chain, the error itself first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let current = error; current !== undefined; current = (current as Error).cause) chain.push(current)
  return chain
}

describeWithRedis('RedisEngine with the clients apps bring', () => {
  let server: RedisServer
  let raw: ReturnType<typeof createClient>
  const quitLater: { quit(): Promise<unknown> }[] = []

  beforeAll(async () => {
    server = await RedisServer.start()
    raw = createClient({ url: server.url })
    await raw.connect()
  })
  afterAll(async () => {
    await Promise.all(quitLater.map((client) => client.quit().catch(() => undefined)))
    await raw?.close()
    await server?.stop()
  })

  function ioredis(options: RedisOptions = {}): IoRedis {
    const client = new IoRedis(server.port, '127.0.0.1', options)
    quitLater.push(client)
    return client
  }

  describe('ioredis', () => {
    let client: IoRedis
    beforeAll(() => {
      client = ioredis()
    })

    engineConformance({
      name: 'RedisEngine (ioredis)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client, identifier: 'ioredis-conformance' })
        await engine.prepare()
        await engine.clear()
        return engine
      }
    })

    it('connects a lazyConnect client once, however many engines and requests share it', async () => {
      const lazy = ioredis({ lazyConnect: true })
      const engines = [new RedisEngine({ client: lazy }), new RedisEngine({ client: lazy })]
      await Promise.all(engines.map((engine) => engine.prepare()))
      const token = tokenHash()
      await engines[0].set(token, 'auth-lazy', subject())
      expect(await engines[1].get(token)).toMatchObject({ id: 'x' })
      expect(lazy.status).toBe('ready')
    })

    it('uses a client that is still connecting without connecting it again', async () => {
      const connecting = ioredis()
      const engine = new RedisEngine({ client: connecting, identifier: 'connecting' })
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      expect(await engine.get(token)).toMatchObject({ id: 'x' })
    })

    let capped: RedisEngine
    beforeAll(() => {
      capped = new RedisEngine({ client, identifier: 'ioredis-capped' })
    })
    describeSetCapped('ioredis', () => capped)
    describeRedisWrites('ioredis', () => ({
      engine: capped,
      send: (_key, [command, ...args]) => client.call(command, ...args)
    }))

    describeHttpFlow(() => ({ engine: new RedisEngine({ client }), raw }), '-ioredis')
    describeHostileTokens(() => ({ engine: new RedisEngine({ client }), ports: [server.port] }), '-ioredis')
  })

  describe('ioredis 5', () => {
    let client: IoRedis5
    beforeAll(() => {
      client = new IoRedis5(server.port, '127.0.0.1')
      quitLater.push(client)
    })

    engineConformance({
      name: 'RedisEngine (ioredis 5)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client, identifier: 'ioredis5-conformance' })
        await engine.clear()
        return engine
      }
    })

    let writes: RedisEngine
    beforeAll(() => {
      writes = new RedisEngine({ client, identifier: 'ioredis5-writes' })
    })
    describeRedisWrites('ioredis 5', () => ({ engine: writes, send: (_key, args) => raw.sendCommand(args) }))
  })

  describe('iovalkey', () => {
    let client: IoValkey
    beforeAll(() => {
      client = new IoValkey(server.port, '127.0.0.1')
      quitLater.push(client)
    })

    engineConformance({
      name: 'RedisEngine (iovalkey)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client, identifier: 'iovalkey-conformance' })
        await engine.clear()
        return engine
      }
    })

    let writes: RedisEngine
    beforeAll(() => {
      writes = new RedisEngine({ client, identifier: 'iovalkey-writes' })
    })
    describeRedisWrites('iovalkey', () => ({ engine: writes, send: (_key, args) => raw.sendCommand(args) }))
  })

  describe('node-redis', () => {
    let engine: RedisEngine
    beforeAll(() => {
      engine = new RedisEngine({ client: raw, identifier: 'capped' })
    })
    describeSetCapped('node-redis', () => engine)
    describeRedisWrites('node-redis', () => ({ engine, send: (_key, args) => raw.sendCommand(args) }))

    it('caps in one round trip: one script, whatever it removes', async () => {
      for (let position = 0; position < 5; position++) {
        await engine.set(tokenHash(), 'auth-one-trip', subject({ lastAccessed: position }))
      }
      // Redis caches the script from here on: what follows is what every later log in sends.
      await engine.setCapped(tokenHash(), 'auth-warm-up', subject(), 2)
      const monitor = await RedisMonitor.start(server.port)
      try {
        await monitor.commands()
        const removed = await engine.setCapped(tokenHash(), 'auth-one-trip', subject({ lastAccessed: 10 }), 2)
        expect(removed).toHaveLength(4)
        expect((await monitor.commands()).map(([name]) => name.toUpperCase())).toEqual(['EVALSHA'])
      } finally {
        monitor.stop()
      }
    })
  })

  describe('clients that cannot work, refused at construction with what to pass instead', () => {
    it('refuses a node-redis v4 legacyMode client', async () => {
      const legacy = createClientV4({ url: server.url, legacyMode: true })
      expect(() => new RedisEngine({ client: legacy as never })).toThrow(TypeError)
      expect(() => new RedisEngine({ client: legacy as never })).toThrow(
        /"client".*without legacyMode.*createClient\(\)/
      )
    })

    it('refuses a client pool', () => {
      const pool = createClientPool({ url: server.url })
      expect(() => new RedisEngine({ client: pool as never })).toThrow(/"client" must be a single client, not a pool/)
    })

    it('refuses a pool held by the global named in globalClient', () => {
      const holder = globalThis as Record<string, unknown>
      holder.sessionPool = createClientPool({ url: server.url })
      try {
        expect(() => new RedisEngine({ globalClient: 'sessionPool' })).toThrow(/"globalClient" must be a single client/)
      } finally {
        delete holder.sessionPool
      }
    })

    it.each([
      ['an object that is no client', { get: () => null }],
      ['a client class instead of an instance', IoRedis],
      ['null', null]
    ])('refuses %s, naming the clients it takes', (_name, value) => {
      expect(() => new RedisEngine({ client: value as never })).toThrow(TypeError)
      expect(() => new RedisEngine({ client: value as never })).toThrow(
        /"client" must be a node-redis client .* or an ioredis/
      )
    })

    it.each(['http://localhost:6379', 'localhost:6379', 'redis://', 'not a url', 42])('refuses url = %p', (url) => {
      expect(() => new RedisEngine({ url } as RedisEngineOptions)).toThrow(TypeError)
      expect(() => new RedisEngine({ url } as RedisEngineOptions)).toThrow(/"url" must be a Redis URL/)
    })

    it.each(['redis://127.0.0.1:6379', 'rediss://user:secret@cache.internal:6380/2'])('takes url = %p', (url) => {
      expect(() => new RedisEngine({ url })).not.toThrow()
    })
  })

  describe('options', () => {
    it.each([
      ['replicas', -1],
      ['replicas', 1.5],
      ['replicas', 'all'],
      ['allowEviction', 'yes']
    ])('rejects %s = %p with a TypeError naming it', (name, value) => {
      expect(() => new RedisEngine({ [name]: value })).toThrow(`"${name}"`)
    })

    it.each([0, 1_000, 2_000, 'soon'])(
      'rejects replicaTimeout = %p with replicas, at or above commandTimeout',
      (value) => {
        expect(() => new RedisEngine({ replicas: 1, replicaTimeout: value as number })).toThrow('"replicaTimeout"')
      }
    )

    it('ignores replicaTimeout without replicas', () => {
      expect(() => new RedisEngine({ replicaTimeout: 5_000 }).replicas).not.toThrow()
    })
  })

  describe('when Redis cannot be reached', () => {
    it('keeps the connection error as the cause of every later failure, not only the first', async () => {
      const engine = new RedisEngine({ port: await freePort() })
      await expect(engine.prepare()).rejects.toThrow(/ECONNREFUSED/)
      for (let attempt = 0; attempt < 3; attempt++) {
        const error = await engine.get(tokenHash()).catch((failure: unknown) => failure)
        expect(causes(error).map(String).join(' <- ')).toMatch(/offline.*ECONNREFUSED/)
      }
      await engine.release()
    })

    it('does the same for an ioredis client, through the app’s error handler', async () => {
      // No reconnection of its own: each request's prepare() connects it again, and fails.
      const client = new IoRedis(await freePort(), '127.0.0.1', { lazyConnect: true, retryStrategy: () => null })
      client.on('error', () => undefined)
      const engine = new RedisEngine({ client, commandTimeout: 200 })
      const log: ErrorLog = { errors: [] }
      const app = createApp(express, { engine }, log)
      for (let attempt = 0; attempt < 2; attempt++) {
        await request(app)
          .get('/me')
          .set(auth('A'.repeat(43)))
          .expect(503)
      }
      expect(log.errors).toHaveLength(2)
      for (const error of log.errors) {
        expect(error).toBeInstanceOf(SessionEngineError)
        expect(causes(error).map(String).join(' <- ')).toMatch(/ECONNREFUSED/)
      }
      expect(client.status).toBe('end')
    })
  })

  describe('prepare() and the eviction policy', () => {
    afterEach(() => raw.configSet('maxmemory-policy', 'noeviction'))

    it.each(['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-ttl'])(
      'refuses maxmemory-policy %s, saying why and how to fix it',
      async (policy) => {
        await raw.configSet('maxmemory-policy', policy)
        const engine = new RedisEngine({ client: raw })
        const refusal = engine.prepare()
        await expect(refusal).rejects.toThrow(`maxmemory-policy ${policy}`)
        await expect(refusal).rejects.toThrow(/evict session keys.*noeviction.*allowEviction: true/s)
        await expect(refusal).rejects.toBeInstanceOf(RedisEvictionPolicyError)
        await expect(refusal).rejects.toBeInstanceOf(SessionError)
        await expect(refusal).rejects.toMatchObject({ code: 'ESR_REDIS_EVICTION_POLICY', policy })
      }
    )

    it('refuses through ioredis too', async () => {
      await raw.configSet('maxmemory-policy', 'allkeys-lru')
      await expect(new RedisEngine({ client: ioredis() }).prepare()).rejects.toThrow('allkeys-lru')
    })

    it('reads the policy from a RESP3 client’s map reply too', async () => {
      const resp3 = createClient({ url: server.url, RESP: 3 })
      await resp3.connect()
      try {
        await raw.configSet('maxmemory-policy', 'allkeys-lfu')
        await expect(new RedisEngine({ client: resp3 }).prepare()).rejects.toThrow('allkeys-lfu')
      } finally {
        await resp3.close()
      }
    })

    it('fails prepare() with the reason when CONFIG GET fails otherwise', async () => {
      const engine = new RedisEngine({ client: raw, commandTimeout: 200 })
      const config = raw.sendCommand.bind(raw)
      const spy = jest
        .spyOn(raw, 'sendCommand')
        .mockImplementation((args, options) =>
          args[0] === 'CONFIG'
            ? Promise.reject(new Error('LOADING Redis is loading the dataset in memory'))
            : config(args, options)
        )
      try {
        await expect(engine.prepare()).rejects.toThrow('LOADING')
      } finally {
        spy.mockRestore()
      }
    })

    it('accepts the risk with allowEviction: true', async () => {
      await raw.configSet('maxmemory-policy', 'allkeys-lru')
      await expect(new RedisEngine({ client: raw, allowEviction: true }).prepare()).resolves.toBeUndefined()
    })

    it('takes a server that refuses CONFIG GET (a managed Redis) as it is', async () => {
      await raw.sendCommand(['ACL', 'SETUSER', 'app', 'on', '>secret', '~*', '&*', '+@all', '-config'])
      await raw.configSet('maxmemory-policy', 'allkeys-lru')
      const engine = new RedisEngine({ port: server.port, username: 'app', password: 'secret' })
      await expect(engine.prepare()).resolves.toBeUndefined()
      await engine.release()
    })
  })

  describe('commandTimeout', () => {
    it('arms no timer per command: node-redis’s own is not armed, and deadlines share one clock', async () => {
      const engine = new RedisEngine({ client: raw })
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      const signals = jest.spyOn(AbortSignal, 'timeout')
      const timers = jest.spyOn(global, 'setTimeout')
      const clocks = jest.spyOn(global, 'setInterval')
      try {
        for (let command = 0; command < 5; command++) expect(await engine.get(token)).toBeDefined()
        await Promise.all([engine.get(token), engine.get(token), engine.get(token)])
        expect(signals).not.toHaveBeenCalled()
        expect(timers).not.toHaveBeenCalled()
        expect(clocks.mock.calls.length).toBeLessThanOrEqual(1)
      } finally {
        signals.mockRestore()
        timers.mockRestore()
        clocks.mockRestore()
      }
    })
  })

  describe('an ioredis-backed app, end to end', () => {
    it('logs in and recognises the session', async () => {
      const app = createApp(express, { engine: new RedisEngine({ client: ioredis() }) })
      const { token } = await logIn(app, 'io-user')
      await request(app).get('/me').set(auth(token)).expect(200)
    })
  })
})
