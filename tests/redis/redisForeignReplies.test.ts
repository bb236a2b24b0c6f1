import IoRedis, { Cluster as IoRedisCluster } from 'ioredis'
import { createClient, createCluster, RESP_TYPES } from 'redis'
import type { EngineSubject } from '../../src/engine'
import { RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, RedisCluster, RedisServer } from '../support/redisServer'

type Send = (key: string, args: string[]) => Promise<unknown>

const used = (id: string, lastAccessed: number, firstAccessed: unknown = lastAccessed): EngineSubject => ({
  id,
  userId: 'foreign',
  firstAccessed,
  lastAccessed,
  expiresAt: Date.now() + 60_000
})

/** Writes a hash the engine did not write at `token`'s key, listed in `category`'s index. */
async function foreignHash(send: Send, identifier: string, token: string, category: string, fields: string[]) {
  await send(`${identifier}:t:${token}`, ['HSET', `${identifier}:t:${token}`, ...fields])
  await send(`${identifier}:i:${category}`, ['ZADD', `${identifier}:i:${category}`, '1', token])
}

/**
 * Five sessions tied on last use, one of them with a `firstAccessed` that is no number (taken as the
 * earliest log in); a log in capped at 3 removes it and the two tied with the smallest tokens, on one
 * node and on a cluster alike. Resolves the ids removed and the ids expected.
 */
async function tiedCap(engine: RedisEngine, category: string): Promise<{ removed: string[]; expected: string[] }> {
  const tied = Array.from({ length: 4 }, () => tokenHash('tie')).sort()
  for (const [position, token] of tied.entries())
    await engine.set(token, category, used(`tied-${position}`, 1_000, 500))
  await engine.set(tokenHash('tie'), category, used('undated', 1_000, 'yesterday'))
  const removed = await engine.setCapped(tokenHash('tie'), category, used('new', 2_000), 3)
  return { removed: removed.map((subject) => String(subject.id)).sort(), expected: ['tied-0', 'tied-1', 'undated'] }
}

describeWithRedis('RedisEngine on replies and keys it did not write', () => {
  describe('on standalone Redis', () => {
    let server: RedisServer
    let raw: ReturnType<typeof createClient>
    let resp3: ReturnType<typeof createClient>
    let ioredis: IoRedis
    const send: Send = (_key, args) => raw.sendCommand(args)

    beforeAll(async () => {
      server = await RedisServer.start()
      raw = createClient({ url: server.url })
      resp3 = createClient({ url: server.url, RESP: 3 })
      await Promise.all([raw.connect(), resp3.connect()])
      ioredis = new IoRedis(server.port, '127.0.0.1')
    })

    afterAll(async () => {
      ioredis?.disconnect()
      await Promise.all([raw?.close(), resp3?.close()])
      await server?.stop()
    })

    const shapes = [
      'node-redis, objects',
      'ioredis, flat arrays',
      'RESP3, maps as objects',
      'RESP3, maps as Map'
    ] as const
    const clientOf = (shape: (typeof shapes)[number]) =>
      ({
        'node-redis, objects': () => raw,
        'ioredis, flat arrays': () => ioredis,
        'RESP3, maps as objects': () => resp3,
        'RESP3, maps as Map': () => resp3.withTypeMapping({ [RESP_TYPES.MAP]: Map })
      })[shape]()
    const identifierOf = (prefix: string, shape: string) => `${prefix}-${shapes.indexOf(shape as never)}`

    it.each(shapes)('reads sessions whatever shape the client gives hashes (%s)', async (shape) => {
      const engine = new RedisEngine({ client: clientOf(shape), identifier: identifierOf('shape', shape) })
      const [token, subject] = [tokenHash(), used('shaped', 1_000)]
      await engine.set(token, 'auth-u', subject)
      expect(await engine.get(token)).toEqual(subject)
      expect(Object.keys(await engine.getAll('auth-u'))).toEqual([token])
    })

    it.each(shapes)('takes a hash it did not write for no session, and lists none (%s)', async (shape) => {
      const identifier = identifierOf('foreign', shape)
      const engine = new RedisEngine({ client: clientOf(shape), identifier })
      const [notJson, numberCategory] = [tokenHash(), tokenHash()]
      await foreignHash(send, identifier, notJson, 'auth-u', ['c', '"auth-u"', 'i', 'not json'])
      await foreignHash(send, identifier, numberCategory, 'auth-u', ['c', '42', 'i', '"x"'])
      expect(await engine.get(notJson)).toBeUndefined()
      expect(await engine.get(numberCategory)).toBeUndefined()
      expect(await engine.getAll('auth-u')).toEqual({})
      // The keys stay as they were: the engine never deletes what it did not write.
      expect(await raw.hGet(`${identifier}:t:${notJson}`, 'i')).toBe('not json')
    })

    it('reads the eviction policy from a client that maps replies to Map', async () => {
      await raw.configSet('maxmemory-policy', 'volatile-lfu')
      try {
        const engine = new RedisEngine({ client: resp3.withTypeMapping({ [RESP_TYPES.MAP]: Map }) })
        await expect(engine.prepare()).rejects.toMatchObject({ code: 'ESR_REDIS_EVICTION_POLICY' })
      } finally {
        await raw.configSet('maxmemory-policy', 'noeviction')
      }
    })

    it('patches no string at a session key that is no release 0.1 entry, and leaves it', async () => {
      const engine = new RedisEngine({ client: raw, identifier: 'string' })
      const token = tokenHash()
      await raw.set(`string:t:${token}`, 'a cache value of another app')
      expect(await engine.patch(token, 'auth-u', { lastIp: '198.51.100.4' })).toBe(false)
      expect(await raw.get(`string:t:${token}`)).toBe('a cache value of another app')
    })

    it('breaks ties in the cap by log in, then by token', async () => {
      const { removed, expected } = await tiedCap(new RedisEngine({ client: raw, identifier: 'ties' }), 'auth-ties')
      expect(removed).toEqual(expected)
    })
  })

  describe('on Redis Cluster', () => {
    let cluster: RedisCluster
    let client: ReturnType<typeof createCluster>
    const send: Send = (key, args) => client.sendCommand(key, false, args)

    beforeAll(async () => {
      cluster = await RedisCluster.start()
      client = createCluster({ rootNodes: cluster.rootNodes })
      await client.connect()
    })

    afterAll(async () => {
      await client?.close()
      await cluster?.stop()
    })

    it('breaks ties in the cap as one node does: by log in, then by token', async () => {
      const { removed, expected } = await tiedCap(new RedisEngine({ client, identifier: 'ties' }), 'auth-ties')
      expect(removed).toEqual(expected)
    })

    it('drops from the index, but never takes, a listed key whose hash it did not write', async () => {
      const engine = new RedisEngine({ client, identifier: 'foreign' })
      const [foreign, mine] = [tokenHash(), tokenHash()]
      await foreignHash(send, 'foreign', foreign, 'auth-f', ['c', '42', 'i', '"x"'])
      await engine.set(mine, 'auth-f', used('mine', 1_000))
      const token = tokenHash()
      expect(await engine.setCapped(token, 'auth-f', used('new', 2_000), 2)).toEqual([])
      expect(await send('foreign:i:auth-f', ['ZRANGE', 'foreign:i:auth-f', '0', '-1'])).not.toContain(foreign)
      expect(await client.hGet(`foreign:t:${foreign}`, 'c')).toBe('42')
      expect(Object.keys(await engine.getAll('auth-f')).sort()).toEqual([mine, token].sort())
    })

    it('connects an ioredis Cluster created with lazyConnect, and waits for its slots', async () => {
      const io = new IoRedisCluster(
        cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
        { lazyConnect: true }
      )
      try {
        const engine = new RedisEngine({ client: io, identifier: 'lazy' })
        await engine.prepare()
        expect(io.status).toBe('ready')
        const token = tokenHash()
        await engine.set(token, 'auth-u', used('lazy', 1_000))
        expect(await engine.get(token)).toMatchObject({ id: 'lazy' })
      } finally {
        io.disconnect()
      }
    })
  })
})
