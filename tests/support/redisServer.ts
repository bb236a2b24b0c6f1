import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeMissing, findOnPath, type Missing } from './preflightPaths'

/**
 * Real `redis-server` processes for the Redis tests: each on a free port, in its own temporary
 * directory, ready once it answers PING, killed on teardown (and on process exit, so a crashed test
 * run leaves no orphan behind).
 */

const running = new Set<ChildProcess>()

/** Kills `child` with the other test servers, when the test process exits. */
export function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

const killAll = () => running.forEach((child) => child.kill('SIGKILL'))
process.once('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll()
    process.kill(process.pid, signal)
  })
}

/**
 * The Redis programs the tests run, by name from the PATH: `redis-server` (Sentinel too, as
 * `redis-server --sentinel`) and `redis-cli`. No npm package ships them (redis-memory-server downloads
 * and compiles the sources at install time), so they come from the machine.
 */
export const REDIS_PROGRAMS = ['redis-server', 'redis-cli'] as const

/** What to install when a program of {@link REDIS_PROGRAMS} is not on the PATH; `undefined` when none is missing. */
export function redisMissing(): Missing | undefined {
  const absent = REDIS_PROGRAMS.filter((command) => !findOnPath(command))
  if (absent.length === 0) return undefined
  return {
    what: absent.join(' and '),
    why: 'the Redis tests start their own Redis, Cluster and Sentinel servers',
    install: [
      ['Debian/Ubuntu', 'sudo apt-get install redis-server (redis-cli comes with it, in redis-tools)'],
      ['macOS', 'brew install redis']
    ]
  }
}

/**
 * Always true: the preflight (`tests/support/preflight.ts`, Jest's global setup) has stopped the run
 * already when redis-server or redis-cli is missing. Throws when called outside a run that passed it.
 */
export function requireRedisServer(): boolean {
  const missing = redisMissing()
  if (missing) throw new Error(`not found on the PATH: ${describeMissing(missing)}`)
  return true
}

/**
 * `describe`: the preflight has made sure redis-server and redis-cli are here. Read from `globalThis`, as
 * the preflight imports this module outside any test file, where Jest defines no `describe`.
 */
export const describeWithRedis: jest.Describe = globalThis.describe

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Runs `redis-cli -p <port> <args>` and returns its output, trimmed. */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim())
    )
  })
}

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs`, or as soon as `check` throws. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Append-only persistence, fsynced on every write, so a killed server restarts with every write. */
  appendonly?: boolean
  /** Start as a Redis Cluster node. */
  cluster?: boolean
  /** The port; a free one by default. */
  port?: number
  /** The data directory; a new temporary one by default. */
  dir?: string
  /** More `redis-server` arguments, e.g. `['--replicaof', '127.0.0.1', '6379']`. */
  args?: string[]
}

/** One `redis-server` process. */
export class RedisServer {
  private child: ChildProcess | undefined
  private readonly ownsDir: boolean

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
    ownsDir: boolean
  ) {
    this.ownsDir = ownsDir
  }

  /** Starts a server and resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'esr-redis-'))
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (options.cluster ? await clusterPort() : await freePort())
      const server = new RedisServer(port, dir, options, options.dir === undefined)
      try {
        await server.restart()
        return server
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        await server.kill()
        if (options.port !== undefined || attempt === 3) {
          await server.stop()
          throw error
        }
      }
    }
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Whether the process is running. */
  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the process again (same port, same directory) and resolves once it answers PING. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '']
    args.push('--appendonly', this.options.appendonly ? 'yes' : 'no', '--appendfsync', 'always')
    if (this.options.cluster) {
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${this.port}.conf`)
      // A master that stops answering for 1 s is failed over, so failover tests stay short.
      args.push('--cluster-node-timeout', '1000')
    }
    args.push(...(this.options.args ?? []))
    const child = spawn('redis-server', args, { stdio: 'ignore' })
    this.child = child
    track(child)
    await eventually(async () => {
      if (!this.alive) throw new Error(`redis-server on port ${this.port} exited`)
      return (await redisCli(this.port, 'PING').catch(() => '')) === 'PONG'
    }).catch((error: unknown) => {
      throw new Error(`redis-server on port ${this.port} did not start: ${(error as Error).message}`)
    })
  }

  /** Kills the process at once (SIGKILL) and resolves once it is gone; the directory stays. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !this.alive) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP')
  }

  /** Thaws a paused process (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT')
  }

  /** Kills the process and removes a directory the server created. */
  async stop(): Promise<void> {
    await this.kill()
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * A free port whose cluster bus port (+10000) is free too: redis-server before 7.0 has no
 * `cluster-port` setting, so the bus always listens there.
 */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port + 10_000 > 65_535) continue
    const bus = net.createServer()
    const free = await new Promise<boolean>((resolve) => {
      bus.once('error', () => resolve(false))
      bus.listen(port + 10_000, '127.0.0.1', () => resolve(true))
    })
    if (free) {
      await new Promise((resolve) => bus.close(resolve))
      return port
    }
  }
}

/** A Redis Cluster of three masters, every slot assigned, with `replicas` replicas per master (none by default). */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  /**
   * Starts the cluster-enabled servers, joins them with `redis-cli --cluster create`, and waits for
   * `cluster_state:ok` on every node and, with replicas, for every replica to be in sync.
   */
  static async start(options: { replicas?: number } = {}): Promise<RedisCluster> {
    const replicas = options.replicas ?? 0
    const count = 3 * (1 + replicas)
    const nodes = await Promise.all(Array.from({ length: count }, () => RedisServer.start({ cluster: true })))
    const cluster = new RedisCluster(nodes)
    try {
      const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
      await redisCli(
        nodes[0].port,
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes'
      )
      await eventually(async () => {
        const states = await Promise.all(nodes.map((node) => redisCli(node.port, 'CLUSTER', 'INFO').catch(() => '')))
        return states.every((info) => info.includes('cluster_state:ok'))
      }, 30_000)
      await eventually(async () => {
        const roles = await Promise.all(nodes.map((node) => redisCli(node.port, 'INFO', 'replication')))
        return roles.filter((info) => info.includes('master_link_status:up')).length === 3 * replicas
      }, 30_000)
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** The root nodes to hand to `createCluster`. */
  get rootNodes(): { url: string }[] {
    return this.nodes.map((node) => ({ url: node.url }))
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()))
  }
}

/** What `MONITOR` saw on one server: every command, as its arguments. */
export class RedisMonitor {
  private readonly lines: string[] = []
  private buffered = ''

  private constructor(
    private readonly port: number,
    private readonly child: ChildProcess
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.buffered + chunk).split('\n')
      this.buffered = parts.pop() ?? ''
      this.lines.push(...parts)
    })
  }

  /** Starts `redis-cli MONITOR` and resolves once it is listening. */
  static async start(port: number): Promise<RedisMonitor> {
    const child = spawn('redis-cli', ['-p', String(port), 'MONITOR'], { stdio: ['ignore', 'pipe', 'ignore'] })
    running.add(child)
    child.once('exit', () => running.delete(child))
    const monitor = new RedisMonitor(port, child)
    await eventually(() => monitor.lines.includes('OK'))
    return monitor
  }

  /**
   * The commands clients sent since the last call (or the start); the marker, commands run by scripts
   * and bare `PING`s (the heartbeats of localCache's tracking connections) excluded.
   */
  async commands(): Promise<string[][]> {
    const marker = `monitor-marker-${Math.random()}`
    await redisCli(this.port, 'ECHO', marker)
    await eventually(() => this.lines.some((line) => line.includes(marker)))
    const seen = this.lines.splice(0, this.lines.length)
    return seen
      .filter((line) => /^\d/.test(line) && !line.includes(marker) && !/^\S+ \[\d+ lua\]/.test(line))
      .map((line) =>
        [...line.slice(line.indexOf(']') + 1).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => unescapeRedis(match[1]))
      )
      .filter((command) => !(command.length === 1 && command[0].toUpperCase() === 'PING'))
  }

  stop(): void {
    this.child.kill('SIGKILL')
  }
}

function unescapeRedis(quoted: string): string {
  return quoted.replace(/\\(x[0-9a-f]{2}|.)/g, (_, escape: string) => {
    if (escape.startsWith('x')) return String.fromCharCode(parseInt(escape.slice(1), 16))
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escape] ?? escape
  })
}
