// Failover loss between hosts, measured: the replica reaches its master through a relay that delays
// every byte (FAILOVER_DELAY_MS each way), the master dies under a load of log ins and log outs, and
// what each instance had acknowledged is checked on the promoted replica. With `replicas: 1` nothing
// acknowledged is lost; without it, the writes of the last moment are. Run with
//   npx jest tests/redis/failoverLoss.test.ts
// which prints the counts and the window.
import IoRedis from 'ioredis'
import { createCluster } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
import { audit, describeAudit, LossApp, writeUntil, type Audit } from '../support/failoverLoss'
import { Relay } from '../support/relay'
import { eventually, RedisCluster, redisCli, type RedisServer } from '../support/redisServer'
import { describeWithSentinel, MASTER_NAME, SentinelTopology } from '../support/redisSentinel'

const DELAY_MS = Number(process.env.FAILOVER_DELAY_MS ?? 100)
const WORKERS = 4
const LOAD_BEFORE_KILL_MS = 3_000
// WAIT blocks the connection it is sent on until the replica, a round trip away, has acknowledged:
// each durable writer gets a client of its own, and room for the round trips.
const DURABLE = { replicas: 1, replicaTimeout: 2_000, commandTimeout: 5_000, identifier: 'loss-1' }

/**
 * Writes through the `durable` instances (replicas: 1, one writer each) and `fast` (replicas: 0) until
 * the master dies: `kill` freezes the relay (the master's host is gone: what the link had not delivered
 * never will be), kills the master and closes the relay (its port refuses connections, as the dead
 * host's would). Then audits every instance once the topology serves again.
 */
async function measure(
  durable: LossApp[],
  fast: LossApp,
  kill: () => Promise<void>
): Promise<{ durable: Audit; fast: Audit; killedAt: number }> {
  let killedAt = 0
  const stopped = () => killedAt !== 0
  const writing = Promise.all([
    writeUntil(fast, 'fast', WORKERS, stopped),
    ...durable.map((app, position) => writeUntil(app, `durable-${position}`, 1, stopped))
  ])
  await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS))
  killedAt = Date.now()
  await kill()
  const [fastLedger, ...durableLedgers] = await writing
  // Served again: a new log in through the instance that does not wait for a replica authenticates
  // (the promoted replica has none left to acknowledge: the durable instances refuse log ins now, and
  // the audit below retries their reads until they are answered).
  await eventually(async () => {
    const { status, token } = await fast.logIn('after-failover')
    return status === 200 && (await fast.me(token!)) === 200
  }, 60_000)
  const durableAudits = await Promise.all(durable.map((app, position) => audit(app, durableLedgers[position])))
  return { durable: merged(durableAudits), fast: await audit(fast, fastLedger), killedAt }
}

function merged(audits: Audit[]): Audit {
  return {
    logIns: audits.reduce((sum, one) => sum + one.logIns, 0),
    lostLogIns: audits.flatMap((one) => one.lostLogIns),
    logOuts: audits.reduce((sum, one) => sum + one.logOuts, 0),
    lostLogOuts: audits.flatMap((one) => one.lostLogOuts)
  }
}

/** The instances of one topology: `WORKERS` durable ones, each with a client of its own, and a fast one. */
async function startApps<Client>(
  connect: () => Promise<Client>,
  engine: (client: Client, options: object) => RedisEngine
): Promise<{ durable: LossApp[]; fast: LossApp; clients: Client[] }> {
  const clients: Client[] = []
  const start = async (options: object) => {
    const client = await connect()
    clients.push(client)
    return LossApp.start(engine(client, options))
  }
  const durable = await Promise.all(Array.from({ length: WORKERS }, () => start(DURABLE)))
  return { durable, fast: await start({ replicas: 0, identifier: 'loss-0' }), clients }
}

function report(topology: string, result: { durable: Audit; fast: Audit; killedAt: number }): void {
  console.info(
    `${topology}, replica ${DELAY_MS} ms away each way: ` +
      `${describeAudit('replicas: 1', result.durable, result.killedAt)}; ` +
      `${describeAudit('replicas: 0', result.fast, result.killedAt)}`
  )
}

function expectNothingLost(result: Audit): void {
  expect(result.logIns).toBeGreaterThan(0)
  expect(result.logOuts).toBeGreaterThan(0)
  expect(result.lostLogIns).toEqual([])
  // A revoked token never authenticates after the failover.
  expect(result.lostLogOuts).toEqual([])
}

describeWithSentinel('Failover loss, Sentinel: the replica behind a delaying relay', () => {
  let relay: Relay
  let topology: SentinelTopology
  let apps: { durable: LossApp[]; fast: LossApp; clients: IoRedis[] }

  beforeAll(async () => {
    topology = await SentinelTopology.start({
      replicaLink: async (masterPort) => {
        relay = await Relay.start(masterPort, { delayMs: DELAY_MS })
        return relay.port
      }
    })
    // ioredis: one connection per client, commands pipelined.
    apps = await startApps(
      async () => {
        const client = new IoRedis({ sentinels: topology.sentinelNodes, name: MASTER_NAME })
        client.on('error', () => undefined)
        return client
      },
      (client, options) => new RedisEngine({ client, ...options })
    )
  }, 60_000)

  afterAll(async () => {
    for (const app of [...(apps?.durable ?? []), apps?.fast]) app?.close()
    apps?.clients.forEach((client) => client.disconnect())
    await relay?.close()
    await topology?.stop()
  })

  it('loses no acknowledged log in or log out with replicas: 1 when the master is killed', async () => {
    const master = await topology.master()
    const result = await measure(apps.durable, apps.fast, async () => {
      relay.freeze()
      await master.kill()
      await relay.close()
    })
    report('Sentinel', result)
    expect((await topology.master()).port).not.toBe(master.port)
    expectNothingLost(result.durable)
    expect(result.fast.logIns).toBeGreaterThan(0)
  }, 120_000)
})

/** The cluster's nodes as `CLUSTER NODES` lists them: id, port, whether a master, and its master's id. */
async function clusterNodes(port: number): Promise<{ id: string; port: number; master: boolean; of: string }[]> {
  const lines = (await redisCli(port, 'CLUSTER', 'NODES')).trim().split('\n')
  return lines.map((line) => {
    const [id, address, flags, of] = line.split(' ')
    return { id, port: Number(/:(\d+)@/.exec(address)![1]), master: flags.includes('master'), of }
  })
}

describeWithSentinel('Failover loss, Cluster: one master announced through a delaying relay', () => {
  let relay: Relay
  let cluster: RedisCluster
  let victim: RedisServer
  let apps: { durable: LossApp[]; fast: LossApp; clients: { destroy(): unknown }[] }

  beforeAll(async () => {
    cluster = await RedisCluster.start({ replicas: 1 })
    const nodes = await clusterNodes(cluster.nodes[0].port)
    const master = nodes.find((node) => node.master)!
    const replica = nodes.find((node) => node.of === master.id)!
    victim = cluster.nodes.find((node) => node.port === master.port)!
    relay = await Relay.start(victim.port, { delayMs: DELAY_MS })
    // The master now gives the relay's port as its address: its replica reaches it through the relay.
    // The clients map that address back to the master's own port (node-redis `nodeAddressMap`), and the
    // cluster bus has a port of its own: only replication is delayed, as with a replica in another
    // zone. (Were the clients delayed as much, each answer would reach them no sooner than the write
    // reaches the replica, and nothing would be lost.)
    await redisCli(victim.port, 'CONFIG', 'SET', 'cluster-announce-port', String(relay.port))
    await eventually(async () => {
      const info = await redisCli(replica.port, 'INFO', 'replication')
      return info.includes(`master_port:${relay.port}`) && info.includes('master_link_status:up')
    }, 30_000)
    await eventually(async () => {
      const views = await Promise.all(cluster.nodes.map((node) => clusterNodes(node.port)))
      return views.every((view) => view.some((node) => node.id === master.id && node.port === relay.port))
    }, 30_000)
    apps = await startApps(
      async () => {
        const client = createCluster({
          rootNodes: cluster.rootNodes,
          nodeAddressMap: { [`127.0.0.1:${relay.port}`]: { host: '127.0.0.1', port: victim.port } }
        })
        client.on('error', () => undefined)
        await client.connect()
        return client
      },
      (client, options) => new RedisEngine({ client, ...options })
    )
  }, 90_000)

  afterAll(async () => {
    for (const app of [...(apps?.durable ?? []), apps?.fast]) app?.close()
    apps?.clients.forEach((client) => client.destroy())
    await relay?.close()
    await cluster?.stop()
  })

  it('loses no acknowledged log in or log out with replicas: 1 when a master is killed', async () => {
    const result = await measure(apps.durable, apps.fast, async () => {
      relay.freeze()
      await victim.kill()
      await relay.close()
    })
    report('Cluster', result)
    expectNothingLost(result.durable)
    expect(result.fast.logIns).toBeGreaterThan(0)
  }, 120_000)
})
