import { Cluster as IoRedisCluster } from 'ioredis'
import { createClient, createCluster } from 'redis'
import type { EngineSubject } from '../../src/engine'
import { RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, RedisCluster, RedisServer } from '../support/redisServer'

const LIMIT = 3
const BURST = 12
const ROUNDS = 12

function login(id: string, lastAccessed: number): EngineSubject {
  return { id, userId: 'burst', firstAccessed: lastAccessed, lastAccessed, expiresAt: Date.now() + 60_000 }
}

/**
 * Rounds of {@link BURST} log ins of one user at once, some over sessions the user already had: after
 * each round exactly {@link LIMIT} remain, every other one is reported removed by exactly one log in,
 * and a log in after the round survives it.
 */
function describeBursts(name: string, engine: () => RedisEngine): void {
  describe(`${name}: many log ins of one user at once`, () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Half the rounds log in at one instant (ties broken by arrival), the others with times that
      // run backwards against the order the log ins are sent in.
      const sameInstant = round % 2 === 0
      const earlier = round % 4

      it(`keeps exactly the limit, never fewer (round ${round + 1}: ${earlier} earlier sessions)`, async () => {
        const category = `auth-burst-${name}-${round}`
        const now = Date.now()
        const before = Array.from({ length: earlier }, () => tokenHash('burst'))
        for (const [position, token] of before.entries()) {
          await engine().set(token, category, login(`before-${position}`, now - 10_000 + position))
        }
        const tokens = Array.from({ length: BURST }, () => tokenHash('burst'))
        const removed = await Promise.all(
          tokens.map((token, n) =>
            engine().setCapped(token, category, login(`burst-${n}`, sameInstant ? now : now + BURST - n), LIMIT)
          )
        )

        const remaining = Object.values(await engine().getAll(category)).map((subject) => String(subject.id))
        expect(remaining).toHaveLength(LIMIT)
        const removedIds = removed.flat().map((subject) => subject.id)
        expect(new Set(removedIds).size).toBe(removedIds.length)
        expect([...removedIds, ...remaining].sort()).toEqual(
          [...before.map((_, n) => `before-${n}`), ...tokens.map((_, n) => `burst-${n}`)].sort()
        )
        expect(remaining.some((id) => id.startsWith('before-'))).toBe(false)

        const last = tokenHash('burst')
        const ended = await engine().setCapped(last, category, login('last', Date.now()), LIMIT)
        expect(ended).toHaveLength(1)
        expect(await engine().get(last)).toMatchObject({ id: 'last' })
        expect(Object.keys(await engine().getAll(category))).toHaveLength(LIMIT)
      })
    }

    it('never leaves fewer than the limit while the earlier sessions are in use', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const category = `auth-burst-used-${name}-${round}`
        const now = Date.now()
        const before = Array.from({ length: LIMIT }, () => tokenHash('burst'))
        for (const [position, token] of before.entries()) {
          await engine().set(token, category, login(`before-${position}`, now - 10_000 + position))
        }
        const tokens = Array.from({ length: BURST }, () => tokenHash('burst'))
        await Promise.all([
          ...tokens.map((token, n) => engine().setCapped(token, category, login(`burst-${n}`, now), LIMIT)),
          ...before.map((token) => engine().patch(token, category, { lastAccessed: now + 1 }))
        ])
        // Each session used during the burst may be spared by a log in that ranked it before its use,
        // until the next log in.
        const remaining = Object.keys(await engine().getAll(category))
        expect(remaining.length).toBeGreaterThanOrEqual(LIMIT)
        expect(remaining.length).toBeLessThanOrEqual(LIMIT + before.length)
        await engine().setCapped(tokenHash('burst'), category, login('last', Date.now() + 10), LIMIT)
        expect(Object.keys(await engine().getAll(category))).toHaveLength(LIMIT)
      }
    })
  })
}

describeWithRedis('setCapped() under concurrent log ins on Redis Cluster', () => {
  let cluster: RedisCluster
  let client: ReturnType<typeof createCluster>
  let ioredis: IoRedisCluster

  beforeAll(async () => {
    cluster = await RedisCluster.start()
    client = createCluster({ rootNodes: cluster.rootNodes })
    await client.connect()
    ioredis = new IoRedisCluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })))
  })

  afterAll(async () => {
    await client?.close()
    ioredis?.disconnect()
    await cluster?.stop()
  })

  describeBursts('node-redis cluster', () => new RedisEngine({ client, identifier: 'burst-node' }))
  describeBursts('ioredis cluster', () => new RedisEngine({ client: ioredis, identifier: 'burst-io' }))
})

describeWithRedis('setCapped() under concurrent log ins on standalone Redis', () => {
  let server: RedisServer
  let client: ReturnType<typeof createClient>

  beforeAll(async () => {
    server = await RedisServer.start()
    client = createClient({ url: server.url })
    await client.connect()
  })

  afterAll(async () => {
    await client?.close()
    await server?.stop()
  })

  describeBursts('standalone', () => new RedisEngine({ client, identifier: 'burst-standalone' }))
})
