import { Cluster as IoRedisCluster } from 'ioredis'
import { createCluster } from 'redis'
import { createCluster as createClusterV4 } from 'redis4'
import { RedisEngine } from 'express-session-registry/redis'
import { engineConformance, tokenHash } from 'express-session-registry/testing'
import { describeHostileTokens, describeHttpFlow } from '../support/httpFlow'
import { describeRedisWrites } from '../support/redisWrites'
import { describeSetCapped } from '../support/redisSetCapped'
import { describeWithRedis, eventually, RedisCluster, RedisMonitor, redisCli } from '../support/redisServer'

const subject = (overrides: Record<string, unknown> = {}) => ({
  id: 'x',
  userId: 'u',
  expiresAt: Date.now() + 60_000,
  ...overrides
})

describeWithRedis('RedisEngine on Redis Cluster', () => {
  let cluster: RedisCluster
  let client: ReturnType<typeof createCluster>

  beforeAll(async () => {
    cluster = await RedisCluster.start()
    client = createCluster({ rootNodes: cluster.rootNodes })
    await client.connect()
  })

  afterAll(async () => {
    await client?.close()
    await cluster?.stop()
  })

  engineConformance({
    name: 'RedisEngine (cluster)',
    describe,
    it,
    beforeEach,
    createEngine: async () => {
      const engine = new RedisEngine({ client, identifier: 'conformance' })
      await engine.clear()
      return engine
    }
  })

  describe('setCapped()', () => {
    let engine: RedisEngine
    beforeAll(() => {
      engine = new RedisEngine({ client, identifier: 'capped' })
    })
    describeSetCapped('node-redis cluster', () => engine)
    describeRedisWrites('node-redis cluster', () => ({
      engine,
      send: (key, args) => client.sendCommand(key, false, args)
    }))

    it('costs what set() costs under the limit, and a bounded number of round trips over it', async () => {
      const monitors = await Promise.all(cluster.nodes.map((node) => RedisMonitor.start(node.port)))
      const sent = async () => (await Promise.all(monitors.map((monitor) => monitor.commands()))).flat()
      try {
        for (let position = 0; position < 6; position++) {
          await engine.set(tokenHash(), 'auth-trips', subject({ lastAccessed: position }))
        }
        await sent()
        await engine.setCapped(tokenHash(), 'auth-trips', subject({ lastAccessed: 10 }), 10)
        expect((await sent()).map(([name]) => name.toUpperCase()).sort()).toEqual(['EVALSHA', 'EVALSHA'])
        await engine.setCapped(tokenHash(), 'auth-trips', subject({ lastAccessed: 11 }), 2)
        const names = (await sent()).map(([name]) => name.toUpperCase())
        // The entry and its member (a script each), the index, every entry's category and firstAccessed
        // (one HMGET each, pipelined per master), the victims (a script each: read and delete), their
        // members. (Each monitor keeps its own node's order only, hence the sort.)
        expect(names.filter((name) => !['HMGET', 'EVALSHA'].includes(name)).sort()).toEqual(['ZRANGE', 'ZREM'])
        expect(names.filter((name) => name === 'HMGET')).toHaveLength(7)
        expect(names.filter((name) => name === 'EVALSHA')).toHaveLength(2 + 6)
      } finally {
        monitors.forEach((monitor) => monitor.stop())
      }
    })
  })

  describe('setCapped() over entries it did not write as the core does', () => {
    it('drops members whose entry is gone, and ranks an entry without lastAccessed as least recent', async () => {
      const engine = new RedisEngine({ client, identifier: 'capped-odd' })
      const [gone, bare, recent] = [tokenHash(), tokenHash(), tokenHash()]
      await engine.set(gone, 'auth-odd', subject({ lastAccessed: 1 }))
      await engine.set(bare, 'auth-odd', subject({ id: 'bare' }))
      await engine.set(recent, 'auth-odd', subject({ id: 'recent', lastAccessed: 5_000, firstAccessed: 5_000 }))
      await client.del(`capped-odd:t:${gone}`)
      const removed = await engine.setCapped(tokenHash(), 'auth-odd', subject({ id: 'new', lastAccessed: 9_000 }), 2)
      expect(removed.map((entry) => entry.id)).toEqual(['bare'])
      expect(Object.keys(await engine.getAll('auth-odd'))).toHaveLength(2)
      expect(await client.zScore('capped-odd:i:auth-odd', gone)).toBeNull()
    })
  })

  describe('with an ioredis Cluster', () => {
    let io: IoRedisCluster
    beforeAll(async () => {
      io = new IoRedisCluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })))
    })
    afterAll(() => io.quit())

    engineConformance({
      name: 'RedisEngine (ioredis Cluster)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client: io, identifier: 'io-conformance' })
        await engine.prepare()
        await engine.clear()
        return engine
      }
    })

    let capped: RedisEngine
    beforeAll(() => {
      capped = new RedisEngine({ client: io, identifier: 'io-capped' })
    })
    describeSetCapped('ioredis Cluster', () => capped)
    describeRedisWrites('ioredis Cluster', () => ({
      engine: capped,
      send: (key, args) => client.sendCommand(key, false, args)
    }))

    describeHttpFlow(() => ({ engine: new RedisEngine({ client: io }), raw: client }), '-ioredis')
    describeHostileTokens(
      () => ({ engine: new RedisEngine({ client: io }), ports: cluster.nodes.map((node) => node.port) }),
      '-ioredis'
    )
  })

  describe('with a node-redis v4 cluster client', () => {
    let v4: ReturnType<typeof createClusterV4>
    beforeAll(async () => {
      v4 = createClusterV4({ rootNodes: cluster.rootNodes })
      await v4.connect()
    })
    afterAll(() => v4.quit())

    engineConformance({
      name: 'RedisEngine (node-redis v4 cluster client)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client: v4, identifier: 'v4-conformance' })
        await engine.clear()
        return engine
      }
    })
  })

  it('spreads entries over every master, and clear() removes them from every master', async () => {
    const engine = new RedisEngine({ client, identifier: 'spread' })
    const tokens = Array.from({ length: 30 }, () => tokenHash())
    await Promise.all(tokens.map((token, position) => engine.set(token, `auth-${position % 5}`, subject())))
    const counts = await Promise.all(cluster.nodes.map((node) => redisCli(node.port, 'DBSIZE')))
    expect(counts.map(Number).every((count) => count > 0)).toBe(true)
    await engine.clear()
    for (const token of tokens) expect(await engine.get(token)).toBeUndefined()
    for (const node of cluster.nodes) expect(await redisCli(node.port, 'KEYS', 'spread:*')).toBe('')
  })

  it('takes categories and identifiers with hash-tag braces as data', async () => {
    const engine = new RedisEngine({ client, identifier: 'braces' })
    const [a, b, c] = [tokenHash(), tokenHash(), tokenHash()]
    for (const token of [a, b, c]) await engine.set(token, 'auth-{user}:*', subject())
    expect(Object.keys(await engine.getAll('auth-{user}:*')).sort()).toEqual([a, b, c].sort())
    await engine.deleteAll('auth-{user}:*', b)
    expect(Object.keys(await engine.getAll('auth-{user}:*'))).toEqual([b])
    await engine.delete(b)
    expect(await engine.getAll('auth-{user}:*')).toEqual({})
  })

  it('signs other sessions out without a scan, however many masters they live on', async () => {
    const engine = new RedisEngine({ client, identifier: 'many' })
    const tokens = Array.from({ length: 12 }, () => tokenHash())
    for (const token of tokens) await engine.set(token, 'auth-many', subject())
    const monitors = await Promise.all(cluster.nodes.map((node) => RedisMonitor.start(node.port)))
    try {
      await engine.deleteAll('auth-many', tokens[0])
      const sent = (await Promise.all(monitors.map((monitor) => monitor.commands()))).flat()
      const names = sent.map(([name]) => name.toUpperCase())
      expect(names).not.toContain('SCAN')
      expect(names).not.toContain('KEYS')
      // One read of the index, one UNLINK per entry (pipelined per master), one ZREM.
      expect(names.filter((name) => name === 'UNLINK')).toHaveLength(11)
      expect(names.filter((name) => name !== 'UNLINK')).toEqual(['ZRANGE', 'ZREM'])
    } finally {
      monitors.forEach((monitor) => monitor.stop())
    }
    expect(Object.keys(await engine.getAll('auth-many'))).toEqual([tokens[0]])
  })

  describe('with localCache', () => {
    const cached: RedisEngine[] = []
    async function cachedEngine(identifier: string): Promise<RedisEngine> {
      const engine = new RedisEngine({ client, identifier, localCache: { maxEntries: 100 } })
      cached.push(engine)
      await engine.prepare()
      await eventually(() => engine.localCache!.tracking)
      return engine
    }
    afterAll(() => Promise.all(cached.map((engine) => engine.release())))

    // An engine, and a cache, per call: the suite's two instances then meet as two app processes would.
    engineConformance({
      name: 'RedisEngine with localCache (cluster)',
      describe,
      it,
      beforeEach,
      afterEach,
      createEngine: async () => {
        const engine = await cachedEngine('cached-conformance')
        await engine.clear()
        return engine
      },
      closeEngine: (engine) => engine.release?.()
    })

    it('tracks every master: hits send nothing, and a change on any master reaches the cache', async () => {
      const [reader, writer] = [await cachedEngine('cached'), await cachedEngine('cached')]
      const tokens = Array.from({ length: 12 }, () => tokenHash())
      for (const token of tokens) await writer.set(token, 'auth-spread', subject())
      for (const token of tokens) expect(await reader.get(token)).toBeDefined()
      const monitors = await Promise.all(cluster.nodes.map((node) => RedisMonitor.start(node.port)))
      try {
        for (const token of tokens) expect(await reader.get(token)).toBeDefined()
        expect((await Promise.all(monitors.map((monitor) => monitor.commands()))).flat()).toEqual([])
      } finally {
        monitors.forEach((monitor) => monitor.stop())
      }
      await writer.deleteAll('auth-spread', tokens[0])
      // One round trip of the reader's own to every master: each sent its invalidations before answering the writer.
      await Promise.all(client.masters.map(async (master) => (await client.nodeClient(master)).ping()))
      expect(await reader.get(tokens[0])).toBeDefined()
      for (const token of tokens.slice(1)) expect(await reader.get(token)).toBeUndefined()
    })
  })
})
