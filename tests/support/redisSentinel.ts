import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually, freePort, RedisServer, redisCli, track } from './redisServer'

/** The name the sentinels monitor the master under. */
export const MASTER_NAME = 'sessions'

/** `describe`: Sentinel runs as `redis-server --sentinel`, which the preflight has made sure is here. */
export const describeWithSentinel: jest.Describe = describe

/** One Sentinel process (`redis-server <config> --sentinel`, what Debian's `redis-sentinel` runs). */
class SentinelProcess {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess
  ) {}

  static async start(dir: string, masterPort: number): Promise<SentinelProcess> {
    const port = await freePort()
    const config = join(dir, `sentinel-${port}.conf`)
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
        // A master that stops answering for 1 s is failed over, so failover tests stay short.
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        ''
      ].join('\n')
    )
    const child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' })
    track(child)
    await eventually(async () => (await redisCli(port, 'PING').catch(() => '')) === 'PONG')
    return new SentinelProcess(port, child)
  }

  stop(): void {
    this.child.kill('SIGKILL')
  }
}

/** One master, one replica and three sentinels (quorum 2), each on a free port. */
export class SentinelTopology {
  private constructor(
    readonly dir: string,
    readonly servers: RedisServer[],
    private readonly sentinels: SentinelProcess[]
  ) {}

  /**
   * Starts the topology and resolves once every sentinel knows the replica and the other sentinels.
   * `replicaLink` gives the port the replica replicates from (a relay in front of the master, say);
   * the master's own port by default.
   */
  static async start(
    options: { replicaLink?: (masterPort: number) => Promise<number> } = {}
  ): Promise<SentinelTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'esr-sentinel-'))
    const master = await RedisServer.start()
    const linkPort = options.replicaLink ? await options.replicaLink(master.port) : master.port
    const replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(linkPort)] })
    const sentinels = await Promise.all([1, 2, 3].map(() => SentinelProcess.start(dir, master.port)))
    const topology = new SentinelTopology(dir, [master, replica], sentinels)
    try {
      await eventually(async () =>
        (await redisCli(replica.port, 'INFO', 'replication')).includes('master_link_status:up')
      )
      await eventually(async () => {
        const views = await Promise.all(
          sentinels.map((sentinel) => redisCli(sentinel.port, 'SENTINEL', 'MASTER', MASTER_NAME))
        )
        return views.every((view) => /num-slaves\n1\n/.test(view) && /num-other-sentinels\n2\n/.test(view))
      }, 30_000)
    } catch (error) {
      await topology.stop()
      throw error
    }
    return topology
  }

  /** The sentinels' addresses, as node-redis's `sentinelRootNodes` and ioredis's `sentinels` take them. */
  get sentinelNodes(): { host: string; port: number }[] {
    return this.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }))
  }

  /** The server the sentinels currently name as master. */
  async master(): Promise<RedisServer> {
    const reply = await redisCli(this.sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)
    const port = Number(reply.split('\n')[1])
    const master = this.servers.find((server) => server.port === port)
    if (!master) throw new Error(`the sentinels name an unknown master: ${reply}`)
    return master
  }

  async stop(): Promise<void> {
    this.sentinels.forEach((sentinel) => sentinel.stop())
    await Promise.all(this.servers.map((server) => server.stop()))
    rmSync(this.dir, { recursive: true, force: true })
  }
}
