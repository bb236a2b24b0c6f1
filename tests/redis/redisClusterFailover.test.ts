import { RedisEngine } from 'express-session-registry/redis'
import { Cluster as IoRedisCluster } from 'ioredis'
import { createCluster } from 'redis'
import { tokenHash } from 'express-session-registry/testing'
import { FailoverApp, type Durable, logIn, meanLogInMs, runUnderLoad } from '../support/failover'
import { execFileSync } from 'node:child_process'
import { describeWithRedis, RedisCluster, redisCli } from '../support/redisServer'

/** Runs one read on a replica (after READONLY, which redis-cli cannot send in the same call). */
const onReplica = (port: number, ...args: string[]) =>
  execFileSync('redis-cli', ['-p', String(port)], { input: `READONLY\n${args.join(' ')}\n`, encoding: 'utf8' })
    .split('\n')[1]
    .trim()

const subject = () => ({ id: 'x', userId: 'u', expiresAt: Date.now() + 600_000 })

describeWithRedis('RedisEngine on Redis Cluster with one replica per master', () => {
  let cluster: RedisCluster
  const apps: FailoverApp[] = []

  beforeAll(async () => {
    cluster = await RedisCluster.start({ replicas: 1 })
  }, 60_000)
  afterAll(async () => {
    apps.forEach((app) => app.stop())
    await cluster?.stop()
  })

  /** The replica of the master that holds `key`. */
  async function replicaOf(key: string): Promise<number> {
    const slot = await redisCli(cluster.nodes[0].port, 'CLUSTER', 'KEYSLOT', key)
    const shards = (await redisCli(cluster.nodes[0].port, 'CLUSTER', 'NODES'))
      .split('\n')
      .map((line) => line.split(' '))
    const master = shards.find(
      ([, , flags, , , , , , ...ranges]) =>
        flags.includes('master') &&
        ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number)
          return Number(slot) >= from && Number(slot) <= to
        })
    )!
    const replica = shards.find(([, , flags, masterId]) => flags.includes('slave') && masterId === master[0])!
    return Number(replica[1].split(':')[1].split('@')[0])
  }

  it.each([
    ['node-redis', () => createCluster({ rootNodes: cluster.rootNodes })],
    ['ioredis', () => new IoRedisCluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })))]
  ] as const)(
    'with replicas: 1 and %s, resolves a log in and a log out only once the replicas of both keys hold them',
    async (_name, create) => {
      const client = create()
      try {
        // Generous bounds: on a busy machine a replica may take a while to confirm; the test is about
        // what holds once the write resolves, not about how fast.
        const engine = new RedisEngine({
          client,
          replicas: 1,
          replicaTimeout: 4_000,
          commandTimeout: 5_000,
          identifier: 'durable'
        })
        await engine.prepare()
        for (let attempt = 0; attempt < 5; attempt++) {
          const token = tokenHash()
          const [entry, index] = [`durable:t:${token}`, 'durable:i:auth-durable']
          await engine.setCapped(token, 'auth-durable', subject(), 10)
          expect(onReplica(await replicaOf(entry), 'EXISTS', entry)).toBe('1')
          expect(onReplica(await replicaOf(index), 'ZSCORE', index, token)).not.toBe('')
          await engine.delete(token, 'auth-durable')
          expect(onReplica(await replicaOf(entry), 'EXISTS', entry)).toBe('0')
        }
      } finally {
        await ('close' in client ? client.close() : client.quit())
      }
    }
  )

  it('answers 503 while a master is killed under load (never 500, never a hang, never another user), comes back by itself, and loses no WAIT-acknowledged session', async () => {
    const nodes = cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }))
    const clients = [
      { kind: 'node-redis-cluster', nodes },
      { kind: 'ioredis-cluster', nodes },
      { kind: 'ioredis-cluster', nodes }
    ] as const
    apps.push(...(await Promise.all(clients.map((client) => FailoverApp.start(client, 1)))))
    const fastApp = await FailoverApp.start(clients[1], 0)
    apps.push(fastApp)
    const durable = apps.slice(0, 3)

    const users: Durable[] = []
    for (let position = 0; position < 30; position++) {
      const userId = `durable-${position}`
      const outcome = await logIn(durable[position % durable.length], userId)
      expect(outcome.status).toBe(200)
      users.push({ userId, token: outcome.token! })
    }
    const waitMs = await meanLogInMs(durable[1], 100, 'cost-wait')
    const fastMs = await meanLogInMs(fastApp, 100, 'cost-fast')

    // The master of the first user's session.
    const victimPort = Number(
      (await redisCli(cluster.nodes[0].port, 'CLUSTER', 'NODES'))
        .split('\n')
        .find((line) => line.includes('master') && !line.includes('fail'))!
        .split(' ')[1]
        .split(':')[1]
        .split('@')[0]
    )
    const victim = cluster.nodes.find((node) => node.port === victimPort)!
    const report = await runUnderLoad({ apps: durable, fastApp, users, kill: () => victim.kill() })
    const statuses = new Set(report.outcomes.map((outcome) => outcome.status))
    expect([...statuses].sort()).toEqual([200, 503])
    expect(report.outcomes.filter((outcome) => outcome.rightUser === false)).toEqual([])
    console.info(
      `Cluster failover: ${report.outcomes.length} requests, ` +
        `${report.outcomes.filter((outcome) => outcome.status === 503).length} answered 503, ` +
        `service back ${report.outageMs} ms after the kill; ` +
        `log in ${waitMs.toFixed(2)} ms with replicas: 1, ${fastMs.toFixed(2)} ms without; ` +
        `${report.fastLost} of ${report.fastLogIns} log ins acknowledged without WAIT lost`
    )
  }, 90_000)
})
