// Token rotation on the Redis topologies beyond a single server: entries and their index lie in other
// slots on a Cluster, and a Sentinel client follows the master.
import IoRedis, { Cluster as IoRedisCluster } from 'ioredis'
import { createCluster, createSentinel } from 'redis'
import supertest from 'supertest'
import { RedisEngine } from 'express-session-registry/redis'
import type { SessionEngine } from '../../src'
import { describeWithRedis, RedisCluster } from '../support/redisServer'
import { describeWithSentinel, MASTER_NAME, SentinelTopology } from '../support/redisSentinel'
import {
  cookieToken,
  GRACE_MS,
  liveEntries,
  ROTATE_AFTER_MS,
  rotationApp,
  sleep,
  withCookie
} from '../support/rotationFlow'

/** Rotation, grace, reuse and concurrent due requests on the engine `engine()` returns. */
function describeRotationOn(topology: string, createEngine: () => SessionEngine): void {
  describe(`token rotation on ${topology}`, () => {
    let built: SessionEngine | undefined
    const engine = () => (built ??= createEngine())
    const options = () => ({ engine: engine(), rotateAfter: ROTATE_AFTER_MS, rotationGrace: GRACE_MS })

    it('rotates a due token once, serves the old one within its grace and ends the session on its reuse', async () => {
      const { app, events } = rotationApp(options())
      const userId = `rotating-${topology}`
      const login = (await supertest(app).post(`/login/${userId}`).send({ n: 1 }).expect(200)).body
      await sleep(ROTATE_AFTER_MS + 50)
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => supertest(app).get('/me').set(withCookie(login.token)))
      )
      for (const response of responses) expect(response.status).toBe(200)
      const issued = responses.map(cookieToken).filter((token) => token !== undefined)
      expect(issued).toHaveLength(1)
      expect(await liveEntries(engine(), userId)).toHaveLength(1)
      const me = (await supertest(app).get('/me').set(withCookie(issued[0]!)).expect(200)).body
      expect([me.id, me.data]).toEqual([login.id, { n: 1 }])
      await sleep(GRACE_MS + 100)
      await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
      await supertest(app).get('/me').set(withCookie(issued[0]!)).expect(401)
      expect(events.tokenReuse).toEqual([expect.objectContaining({ sessionId: login.id, userId })])
      expect(await liveEntries(engine(), userId)).toHaveLength(0)
    })
  })
}

describeWithRedis('RedisEngine on Redis Cluster', () => {
  let cluster: RedisCluster
  let client: ReturnType<typeof createCluster>
  let io: IoRedisCluster

  beforeAll(async () => {
    cluster = await RedisCluster.start()
    client = createCluster({ rootNodes: cluster.rootNodes })
    await client.connect()
    io = new IoRedisCluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })))
  })

  afterAll(async () => {
    await client?.close()
    io?.disconnect()
    await cluster?.stop()
  })

  describeRotationOn('a node-redis Cluster', () => new RedisEngine({ client, identifier: 'rotation' }))
  describeRotationOn('an ioredis Cluster', () => new RedisEngine({ client: io, identifier: 'io-rotation' }))
})

describeWithSentinel('RedisEngine on Redis Sentinel', () => {
  let topology: SentinelTopology
  let sentinel: ReturnType<typeof createSentinel>
  let io: IoRedis

  beforeAll(async () => {
    topology = await SentinelTopology.start()
    sentinel = createSentinel({ name: MASTER_NAME, sentinelRootNodes: topology.sentinelNodes })
    sentinel.on('error', () => undefined)
    await sentinel.connect()
    io = new IoRedis({ sentinels: topology.sentinelNodes, name: MASTER_NAME })
  }, 60_000)

  afterAll(async () => {
    await sentinel?.close().catch(() => undefined)
    io?.disconnect()
    await topology?.stop()
  })

  describeRotationOn('a node-redis Sentinel', () => new RedisEngine({ client: sentinel, identifier: 'rotation' }))
  describeRotationOn('ioredis sentinels', () => new RedisEngine({ client: io, identifier: 'io-rotation' }))
})
