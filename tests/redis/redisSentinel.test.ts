import IoRedis from 'ioredis'
import { createClient, createSentinel } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
import { engineConformance, tokenHash } from 'express-session-registry/testing'
import { FailoverApp, type Durable, logIn, meanLogInMs, runUnderLoad } from '../support/failover'
import { describeHostileTokens, describeHttpFlow } from '../support/httpFlow'
import { describeRedisWrites } from '../support/redisWrites'
import { describeSetCapped } from '../support/redisSetCapped'
import { RedisMonitor, redisCli } from '../support/redisServer'
import { describeWithSentinel, MASTER_NAME, SentinelTopology } from '../support/redisSentinel'

const subject = () => ({ id: 'x', userId: 'u', expiresAt: Date.now() + 600_000 })

describeWithSentinel('RedisEngine on Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  let topology: SentinelTopology
  let masterPort: number
  let raw: ReturnType<typeof createClient>
  let sentinel: ReturnType<typeof createSentinel>
  let io: IoRedis

  beforeAll(async () => {
    topology = await SentinelTopology.start()
    masterPort = (await topology.master()).port
    raw = createClient({ url: `redis://127.0.0.1:${masterPort}` })
    raw.on('error', () => undefined)
    await raw.connect()
    sentinel = createSentinel({ name: MASTER_NAME, sentinelRootNodes: topology.sentinelNodes })
    sentinel.on('error', () => undefined)
    await sentinel.connect()
    io = new IoRedis({ sentinels: topology.sentinelNodes, name: MASTER_NAME })
  }, 60_000)

  afterAll(async () => {
    await raw?.close().catch(() => undefined)
    await sentinel?.close().catch(() => undefined)
    io?.disconnect()
    await topology?.stop()
  })

  describe('with a node-redis createSentinel client', () => {
    engineConformance({
      name: 'RedisEngine (node-redis Sentinel)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client: sentinel, identifier: 'sentinel-conformance' })
        await engine.prepare()
        await engine.clear()
        return engine
      }
    })
    let capped: RedisEngine
    beforeAll(() => {
      capped = new RedisEngine({ client: sentinel, identifier: 'sentinel-capped' })
    })
    describeSetCapped('node-redis Sentinel', () => capped)
    describeRedisWrites('node-redis Sentinel', () => ({ engine: capped, send: (_key, args) => raw.sendCommand(args) }))
    describeHttpFlow(() => ({ engine: new RedisEngine({ client: sentinel }), raw }), '-sentinel')
    describeHostileTokens(() => ({ engine: new RedisEngine({ client: sentinel }), ports: [masterPort] }), '-sentinel')
  })

  describe('with an ioredis client given sentinels', () => {
    engineConformance({
      name: 'RedisEngine (ioredis sentinels)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client: io, identifier: 'io-sentinel-conformance' })
        await engine.prepare()
        await engine.clear()
        return engine
      }
    })
    let capped: RedisEngine
    beforeAll(() => {
      capped = new RedisEngine({ client: io, identifier: 'io-sentinel-capped' })
    })
    describeSetCapped('ioredis sentinels', () => capped)
    describeRedisWrites('ioredis sentinels', () => ({ engine: capped, send: (_key, args) => raw.sendCommand(args) }))
    describeHttpFlow(() => ({ engine: new RedisEngine({ client: io }), raw }), '-io-sentinel')
    describeHostileTokens(() => ({ engine: new RedisEngine({ client: io }), ports: [masterPort] }), '-io-sentinel')
  })

  describe('with replicas: 1', () => {
    it.each([
      ['node-redis', () => sentinel],
      ['ioredis', () => io]
    ] as const)(
      '(%s) resolves a log in only once the replica holds it, and a log out once it dropped it',
      async (_name, client) => {
        const engine = new RedisEngine({
          client: client(),
          replicas: 1,
          replicaTimeout: 4_000,
          commandTimeout: 5_000,
          identifier: 'durable'
        })
        const replica = topology.servers.find((server) => server.port !== masterPort)!
        // Redis caches the script from here on: the commands below are the ones every later log in sends.
        await engine.setCapped(tokenHash(), 'auth-durable', subject(), 10)
        const monitor = await RedisMonitor.start(masterPort)
        try {
          await monitor.commands()
          const token = tokenHash()
          await engine.setCapped(token, 'auth-durable', subject(), 10)
          // Read from the replica straight after: no waiting, the write is there.
          expect(await redisCli(replica.port, 'EXISTS', `durable:t:${token}`)).toBe('1')
          await engine.delete(token, 'auth-durable')
          expect(await redisCli(replica.port, 'EXISTS', `durable:t:${token}`)).toBe('0')
          const names = (await monitor.commands())
            .map(([name]) => name.toUpperCase())
            // The sentinels' own checks of the master (PING, INFO, PUBLISH to their hello channel) aside.
            .filter((name) => !['PING', 'INFO', 'PUBLISH'].includes(name))
          expect(names).toEqual(['EVALSHA', 'WAIT', 'DEL', 'ZREM', 'WAIT'])
        } finally {
          monitor.stop()
        }
      }
    )

    it('fails a write that fewer replicas than asked acknowledged in time', async () => {
      const engine = new RedisEngine({ client: sentinel, replicas: 2, replicaTimeout: 100, identifier: 'too-many' })
      const write = engine.set(tokenHash(), 'auth-u', subject())
      await expect(write).rejects.toThrow('only 1 of 2 replicas acknowledged the write within 100 ms')
      await expect(write).rejects.toMatchObject({
        name: 'RedisReplicationError',
        code: 'ESR_REDIS_REPLICAS',
        acknowledged: 1,
        replicas: 2
      })
    })
  })

  describe('when the master is killed under load', () => {
    const apps: FailoverApp[] = []
    afterAll(() => apps.forEach((app) => app.stop()))

    it('answers 503 (never 500, never a hang, never another user), comes back by itself, and loses no WAIT-acknowledged session', async () => {
      const nodes = topology.sentinelNodes
      const clients = [
        { kind: 'node-redis-sentinel', nodes, name: MASTER_NAME },
        { kind: 'ioredis-sentinel', nodes, name: MASTER_NAME },
        { kind: 'node-redis-sentinel', nodes, name: MASTER_NAME }
      ] as const
      apps.push(...(await Promise.all(clients.map((client) => FailoverApp.start(client, 1)))))
      const fastApp = await FailoverApp.start(clients[0], 0)
      apps.push(fastApp)
      const durable = apps.slice(0, 3)

      const users: Durable[] = []
      for (let position = 0; position < 30; position++) {
        const userId = `durable-${position}`
        const outcome = await logIn(durable[position % durable.length], userId)
        expect(outcome.status).toBe(200)
        users.push({ userId, token: outcome.token! })
      }
      const waitMs = await meanLogInMs(durable[0], 100, 'cost-wait')
      const fastMs = await meanLogInMs(fastApp, 100, 'cost-fast')

      const master = await topology.master()
      const report = await runUnderLoad({ apps: durable, fastApp, users, kill: () => master.kill() })
      const statuses = new Set(report.outcomes.map((outcome) => outcome.status))
      expect([...statuses].sort()).toEqual([200, 503])
      expect(report.outcomes.filter((outcome) => outcome.rightUser === false)).toEqual([])
      expect((await topology.master()).port).not.toBe(master.port)
      console.info(
        `Sentinel failover: ${report.outcomes.length} requests, ` +
          `${report.outcomes.filter((outcome) => outcome.status === 503).length} answered 503, ` +
          `service back ${report.outageMs} ms after the kill; ` +
          `log in ${waitMs.toFixed(2)} ms with replicas: 1, ${fastMs.toFixed(2)} ms without; ` +
          `${report.fastLost} of ${report.fastLogIns} log ins acknowledged without WAIT lost`
      )
    }, 90_000)
  })
})
