import IoRedis from 'ioredis'
import { createClient } from 'redis'
import { createClient as createClientV4 } from 'redis4'
import { RedisEngine, type RedisEngineOptions } from 'express-session-registry/redis'
import { engineConformance, sessionSubject, tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, eventually, RedisMonitor, RedisServer } from '../support/redisServer'

type RawClient = ReturnType<typeof createClient>

const subject = sessionSubject

/** The entry reads (HGETALL) among the commands MONITOR saw. */
const gets = (commands: string[][]): string[][] => commands.filter(([name]) => name.toUpperCase() === 'HGETALL')

describeWithRedis('RedisEngine with localCache on standalone Redis', () => {
  let server: RedisServer
  let raw: RawClient
  let monitor: RedisMonitor
  const engines: RedisEngine[] = []

  async function cachedEngine(options: RedisEngineOptions = {}): Promise<RedisEngine> {
    const engine = new RedisEngine({
      port: server.port,
      identifier: 'cached',
      localCache: { maxEntries: 100 },
      ...options
    })
    engines.push(engine)
    await engine.prepare()
    await eventually(() => engine.localCache!.tracking)
    return engine
  }

  /** The id of the connection that tracks for `engine` (the one redirecting invalidations to itself). */
  async function trackingConnectionIds(): Promise<string[]> {
    const list = String(await raw.sendCommand(['CLIENT', 'LIST']))
    return [...list.matchAll(/id=(\d+) .*flags=\S*t\S* .*redir=(\d+)/g)]
      .filter(([, id, redirect]) => id === redirect)
      .map(([, id]) => id)
  }

  beforeAll(async () => {
    server = await RedisServer.start()
    raw = createClient({ url: server.url })
    // The server is killed and restarted by one test: the client reconnects by itself.
    raw.on('error', () => undefined)
    await raw.connect()
    monitor = await RedisMonitor.start(server.port)
  })

  afterAll(async () => {
    monitor?.stop()
    await Promise.all(engines.map((engine) => engine.release()))
    await raw?.close()
    await server?.stop()
  })

  // An engine, and a cache, per call: the suite's two instances then meet as two app processes would.
  engineConformance({
    name: 'RedisEngine with localCache',
    describe,
    it,
    beforeEach,
    afterEach,
    createEngine: async () => {
      const engine = await cachedEngine({ identifier: 'cached-conformance' })
      await engine.clear()
      return engine
    },
    closeEngine: (engine) => engine.release?.()
  })

  describe('a hit', () => {
    it('sends no command to Redis', async () => {
      const engine = await cachedEngine()
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      await monitor.commands()

      for (let read = 0; read < 5; read++)
        expect(await engine.get(token)).toEqual(subject({ ...(await engine.get(token)) }))
      expect(await monitor.commands()).toEqual([])
    })

    it('goes on sending no command past maxStaleness: the heartbeats keep proving the cache fresh', async () => {
      const engine = await cachedEngine({ identifier: 'beating', localCache: { maxEntries: 10, maxStaleness: 300 } })
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      await monitor.commands()
      for (let read = 0; read < 4; read++) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        expect(await engine.get(token)).toBeDefined()
      }
      expect(gets(await monitor.commands())).toEqual([])
      expect(engine.localCache!.size).toBe(1)
    })

    it('hands out a copy: changing it changes nothing kept', async () => {
      const engine = await cachedEngine()
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ userId: 'kept' }))
      ;(await engine.get(token))!.userId = 'changed'
      expect((await engine.get(token))!.userId).toBe('kept')
    })

    it('hands out a deep copy of a subject with nested data', async () => {
      const engine = await cachedEngine()
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ data: { theme: 'dark', tags: ['a'] } }))
      await engine.get(token)
      const first = (await engine.get(token)) as { data: { theme: string; tags: string[] } }
      first.data.theme = 'light'
      first.data.tags.push('b')
      expect((await engine.get(token))!.data).toEqual({ theme: 'dark', tags: ['a'] })
    })

    it('serves concurrent reads of one key, and keeps the entry once', async () => {
      const engine = await cachedEngine({ identifier: 'concurrent' })
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      const [first, second] = await Promise.all([engine.get(token), engine.get(token)])
      expect(first).toEqual(second)
      expect(engine.localCache!.size).toBe(1)
    })

    it('never outlives the entry’s expiresAt', async () => {
      const engine = await cachedEngine()
      const token = tokenHash()
      const subjectExpiry = Date.now() + 150
      await engine.set(token, 'auth-user-1', subject({ expiresAt: subjectExpiry }))
      expect(await engine.get(token)).toBeDefined()
      await eventually(() => Date.now() > (subjectExpiry ?? 0))
      expect(await engine.get(token)).toBeUndefined()
    })
  })

  describe('writes', () => {
    it('go to Redis, and the next read sees them', async () => {
      const engine = await cachedEngine()
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ deviceId: null }))
      await engine.get(token)
      expect(await engine.update(token, 'auth-user-1', subject({ deviceId: 'phone' }))).toBe(true)
      expect((await engine.get(token))!.deviceId).toBe('phone')
      expect(await raw.hGet(`cached:t:${token}`, 'd')).toBe('"phone"')
      await engine.delete(token)
      expect(await engine.get(token)).toBeUndefined()
    })

    it('of another instance reach this one’s cache within one round trip', async () => {
      const [reader, writer] = [await cachedEngine(), await cachedEngine()]
      const [changed, deleted, signedOut, kept] = [tokenHash(), tokenHash(), tokenHash(), tokenHash()]
      await writer.set(changed, 'auth-a', subject({ deviceId: null }))
      await writer.set(deleted, 'auth-b', subject())
      await writer.set(signedOut, 'auth-c', subject())
      await writer.set(kept, 'auth-c', subject())
      for (const token of [changed, deleted, signedOut, kept]) expect(await reader.get(token)).toBeDefined()

      await writer.update(changed, 'auth-a', subject({ deviceId: 'laptop' }))
      await writer.delete(deleted, 'auth-b')
      await writer.deleteAll('auth-c', kept)
      // One round trip of the reader's own: Redis sent the invalidations before it answered the writer.
      await (reader.client as RawClient).sendCommand(['PING'])

      expect((await reader.get(changed))!.deviceId).toBe('laptop')
      expect(await reader.get(deleted)).toBeUndefined()
      expect(await reader.get(signedOut)).toBeUndefined()
      expect(await reader.get(kept)).toBeDefined()
    })

    it('of this instance signing a user out everywhere drop that user’s entries only', async () => {
      const engine = await cachedEngine({ identifier: 'sign-out' })
      const [signedOut, other] = [tokenHash(), tokenHash()]
      await engine.set(signedOut, 'auth-a', subject())
      await engine.set(other, 'auth-b', subject())
      await engine.get(signedOut)
      await engine.get(other)
      await engine.deleteAll('auth-a')
      expect(engine.localCache!.size).toBe(1)
      expect(await engine.get(signedOut)).toBeUndefined()
      await monitor.commands()
      expect(await engine.get(other)).toBeDefined()
      expect(await monitor.commands()).toEqual([])
    })

    it('made straight in Redis by anyone invalidate the entry too, a flush every entry', async () => {
      const engine = await cachedEngine()
      const [first, second] = [tokenHash(), tokenHash()]
      await engine.set(first, 'auth-user-1', subject())
      await engine.set(second, 'auth-user-1', subject())
      await engine.get(first)
      await engine.get(second)
      await raw.del(`cached:t:${first}`)
      await raw.sendCommand(['PING'])
      expect(await engine.get(first)).toBeUndefined()
      expect(engine.localCache!.size).toBeGreaterThan(0)
      await raw.sendCommand(['FLUSHALL'])
      await raw.sendCommand(['PING'])
      expect(engine.localCache!.size).toBe(0)
      expect(await engine.get(second)).toBeUndefined()
    })
  })

  describe('when the tracking connection is lost', () => {
    it('drops the whole cache, serves nothing from it until tracking is back, then caches again', async () => {
      const before = new Set(await trackingConnectionIds())
      const engine = await cachedEngine()
      const own = (await trackingConnectionIds()).filter((id) => !before.has(id))
      expect(own).toHaveLength(1)
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      expect(engine.localCache!.size).toBe(1)

      await raw.sendCommand(['CLIENT', 'KILL', 'ID', own[0]])
      await eventually(() => !engine.localCache!.tracking || engine.localCache!.size === 0)
      expect(engine.localCache!.size).toBe(0)

      await eventually(() => engine.localCache!.tracking)
      await engine.get(token)
      expect(engine.localCache!.size).toBe(1)
      await raw.del(`cached:t:${token}`)
      await raw.sendCommand(['PING'])
      expect(await engine.get(token)).toBeUndefined()
    })
  })

  describe('maxEntries', () => {
    it('bounds the entries kept, dropping the least recently read', async () => {
      const engine = await cachedEngine({ identifier: 'bounded', localCache: { maxEntries: 5 } })
      const tokens = Array.from({ length: 20 }, () => tokenHash())
      for (const token of tokens) await engine.set(token, 'auth-user-1', subject())
      for (const token of tokens) await engine.get(token)
      expect(engine.localCache!.size).toBe(5)

      await monitor.commands()
      for (const token of tokens.slice(-5)) await engine.get(token)
      expect(await monitor.commands()).toEqual([])
      await engine.get(tokens[0])
      expect(gets(await monitor.commands())).toEqual([['HGETALL', `bounded:t:${tokens[0]}`]])
    })
  })

  describe('a read racing a change of its key', () => {
    it('is answered but not kept when the invalidation comes while its reply is on the way', async () => {
      // The app's client, with a slow network on the way back: entry reads are held until released.
      const real = createClient({ url: server.url })
      await real.connect()
      let held: Promise<void> | undefined
      const client = {
        get isOpen() {
          return real.isOpen
        },
        connect: () => real.connect(),
        duplicate: (overrides?: object) => real.duplicate(overrides),
        sendCommand: async (args: string[]) => {
          const reply = await real.sendCommand(args)
          if (args[0] === 'HGETALL') await held
          return reply
        }
      }
      const engine = await cachedEngine({ client, identifier: 'race' })
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject({ deviceId: 'old' }))
      let release = (): void => undefined
      held = new Promise((resolve) => (release = resolve))

      const reading = engine.get(token)
      await eventually(async () => gets(await monitor.commands()).length > 0)
      await (engine.client as RawClient).sendCommand(['PING'])
      await raw.set(`race:t:${token}`, 'replaced')
      await raw.sendCommand(['PING'])
      await (engine.client as RawClient).sendCommand(['PING'])
      held = undefined
      release()

      expect((await reading)!.deviceId).toBe('old')
      expect(engine.localCache!.size).toBe(0)
      expect(await engine.get(token)).toBeUndefined()
      await real.close()
    })
  })

  describe('with an app’s node-redis v4 client', () => {
    let client: ReturnType<typeof createClientV4>
    beforeAll(async () => {
      client = createClientV4({ url: server.url })
      await client.connect()
    })
    afterAll(() => client.quit())

    it('tracks on a v4 connection of its own: hits send nothing, invalidations arrive', async () => {
      const engine = new RedisEngine({ client, identifier: 'v4-cached', localCache: { maxEntries: 10 } })
      engines.push(engine)
      await engine.prepare()
      await eventually(() => engine.localCache!.tracking)
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      await monitor.commands()
      await engine.get(token)
      expect(await monitor.commands()).toEqual([])
      await raw.del(`v4-cached:t:${token}`)
      await raw.sendCommand(['PING'])
      expect(await engine.get(token)).toBeUndefined()
    })
  })

  describe('options', () => {
    it.each([
      ['not an object', 100],
      ['no maxEntries', {}],
      ['maxEntries 0', { maxEntries: 0 }],
      ['a fractional maxEntries', { maxEntries: 1.5 }]
    ])('rejects %s with a TypeError naming localCache', (_, localCache) => {
      expect(() => new RedisEngine({ localCache: localCache as never })).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/"localCache(\.maxEntries)?"/) })
      )
    })

    it.each([
      ['0', 0],
      ['below 20 ms', 10],
      ['a fraction', 250.5],
      ['a string', '1000'],
      ['past a minute', 60_001],
      ['Infinity', Infinity],
      ['null', null]
    ])('rejects a maxStaleness of %s with a TypeError naming localCache.maxStaleness', (_, maxStaleness) => {
      expect(() => new RedisEngine({ localCache: { maxEntries: 10, maxStaleness: maxStaleness as never } })).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('"localCache.maxStaleness"') })
      )
    })

    it('rejects null and an array as localCache', () => {
      for (const localCache of [null, [10]]) {
        expect(() => new RedisEngine({ localCache: localCache as never })).toThrow(/"localCache"/)
      }
    })

    it('names the option a misspelt localCache option was meant to be', () => {
      expect(() => new RedisEngine({ localCache: { maxEntries: 10, maxStalenes: 500 } as never })).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('did you mean "maxStaleness"?') })
      )
      expect(() => new RedisEngine({ localCache: { maxEntries: 10, ttl: 500 } as never })).toThrow(/"ttl"/)
    })

    it('takes a maxStaleness from 20 ms to a minute', () => {
      for (const maxStaleness of [20, 1_000, 60_000]) {
        expect(
          new RedisEngine({ port: server.port, localCache: { maxEntries: 10, maxStaleness } }).localCache
        ).toBeDefined()
      }
    })

    it('rejects a client that cannot open a tracking connection', () => {
      const client = { isOpen: false, connect: async () => undefined, sendCommand: async () => null }
      expect(() => new RedisEngine({ client, localCache: { maxEntries: 10 } })).toThrow(TypeError)
    })

    it('rejects an ioredis client, which has duplicate() but not node-redis tracking connections', () => {
      const client = new IoRedis({ port: server.port, lazyConnect: true })
      expect(() => new RedisEngine({ client, localCache: { maxEntries: 10 } })).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('"localCache"') })
      )
    })
  })

  describe('when a command of the main client fails', () => {
    /** An engine with one session in its cache, the session's token, and a token for a new one. */
    async function withCachedSession(options: RedisEngineOptions): Promise<RedisEngine> {
      const engine = await cachedEngine(options)
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      expect(engine.localCache!.size).toBe(1)
      return engine
    }

    it('drops the cache when Redis refuses a command (out of memory)', async () => {
      for (const commandTimeout of [1_000, Infinity]) {
        const engine = await withCachedSession({ identifier: `refused-${commandTimeout}`, commandTimeout })
        await raw.configSet('maxmemory', '1')
        try {
          await expect(engine.set(tokenHash(), 'auth-user-2', subject())).rejects.toThrow(/OOM/)
        } finally {
          await raw.configSet('maxmemory', '0')
        }
        expect(engine.localCache!.size).toBe(0)
        expect(engine.localCache!.tracking).toBe(true)
      }
    })

    it('drops the cache when a command times out', async () => {
      const engine = await withCachedSession({ identifier: 'timed-out', commandTimeout: 200 })
      // Writes wait; the tracking connection's PINGs and reads do not.
      await raw.sendCommand(['CLIENT', 'PAUSE', '2000', 'WRITE'])
      try {
        await expect(engine.set(tokenHash(), 'auth-user-2', subject())).rejects.toThrow(/did not answer/)
      } finally {
        await raw.sendCommand(['CLIENT', 'UNPAUSE'])
      }
      expect(engine.localCache!.size).toBe(0)
    })

    it('keeps the cache when the failure is Redis answering a release 0.1 entry with WRONGTYPE', async () => {
      const engine = await withCachedSession({ identifier: 'legacy-read' })
      const legacy = tokenHash()
      await raw.set(`legacy-read:t:${legacy}`, JSON.stringify(['auth-user-3', { i: 'x', userId: 'user-3' }]))
      expect(await engine.get(legacy)).toMatchObject({ userId: 'user-3' })
      expect(engine.localCache!.size).toBeGreaterThanOrEqual(1)
    })
  })

  // Last: it kills and restarts the server.
  describe('when Redis restarts', () => {
    it('answers from Redis while Redis is down and back, never from the cache', async () => {
      const engine = await cachedEngine({ identifier: 'restart' })
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.get(token)
      await server.kill()
      await eventually(() => !engine.localCache!.tracking)
      expect(engine.localCache!.size).toBe(0)
      await expect(engine.get(token)).rejects.toThrow()
      await server.restart()
      await eventually(() => engine.localCache!.tracking && (engine.client as RawClient).isReady)
      // The restarted server lost the entry (no persistence): the cache must not bring it back.
      expect(await engine.get(token)).toBeUndefined()
    })
  })
})
