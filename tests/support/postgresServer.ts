import { execFile, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Throwaway PostgreSQL servers for the PostgreSQL tests: `initdb` into a temporary directory, `pg_ctl`
 * on a free loopback port (no Unix socket), trust authentication for the `postgres` user, and
 * `pg_stat_statements` loaded. Stopped on teardown, and on process exit, so a crashed run leaves no
 * server behind. As root, the server runs as the `postgres` system user (PostgreSQL refuses root).
 * Nothing here needs Jest until a test file calls `describeWithPostgres`, so the benchmark uses it too.
 */

const running = new Set<PostgresServer>()
process.once('exit', () => running.forEach((server) => server.stopNow()))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.forEach((server) => server.stopNow())
    process.kill(process.pid, signal)
  })
}

/** Where `initdb` and `pg_ctl` are: on the PATH, else Debian's versioned directory (newest first). */
function binDir(): string | undefined {
  if (!spawnSync('pg_ctl', ['--version']).error && !spawnSync('initdb', ['--version']).error) return ''
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  const found = versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'initdb')))
  return found
}

const BIN_DIR = binDir()
const bin = (name: string) => (BIN_DIR ? join(BIN_DIR, name) : name)

/** The uid/gid to run the server as: ours, or the `postgres` user's when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as')
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/**
 * Whether PostgreSQL's `initdb` and `pg_ctl` can be found. When they cannot, the PostgreSQL tests are
 * skipped with a loud notice, except under `CI`, where a missing server fails the run.
 */
export function requirePostgresServer(): boolean {
  if (BIN_DIR !== undefined) return true
  if (process.env.CI) throw new Error('initdb/pg_ctl not found, and CI is set: the PostgreSQL tests must run in CI')
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!  PostgreSQL is not installed: the PostgreSQL engine tests are SKIPPED     !!',
      '!!  install it (apt-get install postgresql) to run them locally            !!',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      ''
    ].join('\n')
  )
  return false
}

/** `describe` when a PostgreSQL server can be started here, a skipped `describe` otherwise. */
export function describeWithPostgres(name: string, body: () => void): void {
  ;(requirePostgresServer() ? describe : describe.skip)(name, body)
}

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs`, or as soon as `check` throws. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function run(command: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin(command), args, { ...user, cwd: tmpdir() }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${stderr || error.message}`)) : resolve(stdout)
    )
  })
}

/** One PostgreSQL server (a postmaster and its backends). */
export class PostgresServer {
  private up = false

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly user: { uid: number; gid: number } | undefined,
    private readonly settings: Record<string, string>
  ) {}

  /**
   * Creates a cluster in a new temporary directory and starts it; resolves once it accepts connections.
   * `settings` are extra server settings (`-c name=value`).
   */
  static async start(settings: Record<string, string> = {}): Promise<PostgresServer> {
    const user = serverUser()
    const dir = mkdtempSync(join(tmpdir(), 'esr-postgres-'))
    if (user) chownSync(dir, user.uid, user.gid)
    const data = join(dir, 'data')
    await run(
      'initdb',
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      user
    )
    for (let attempt = 1; ; attempt++) {
      const server = new PostgresServer(await freePort(), dir, user, settings)
      try {
        await server.restart()
        return server
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        if (attempt === 3) {
          rmSync(dir, { recursive: true, force: true })
          throw error
        }
      }
    }
  }

  /** A connection string for the `postgres` database as the `postgres` user. */
  get connectionString(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  /** Starts the server again (same port, same data) and resolves once it accepts connections. */
  async restart(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      "-c unix_socket_directories=''",
      '-c shared_preload_libraries=pg_stat_statements',
      '-c max_connections=50',
      ...Object.entries(this.settings).map(([name, value]) => `-c ${name}=${value}`)
    ].join(' ')
    const data = join(this.dir, 'data')
    await run(
      'pg_ctl',
      ['start', '-w', '-t', '30', '-D', data, '-l', join(this.dir, 'server.log'), '-o', options],
      this.user
    )
    this.up = true
    running.add(this)
  }

  /**
   * Stops the server. `immediate` kills it the way a crash would: no checkpoint, the next start
   * replays the write-ahead log. Resolves once every server process is gone.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.up) return
    await run('pg_ctl', ['stop', '-w', '-m', mode, '-D', join(this.dir, 'data')], this.user)
    this.up = false
    running.delete(this)
  }

  /** Freezes the postmaster and every backend (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    for (const pid of this.pids()) process.kill(pid, 'SIGSTOP')
  }

  /** Thaws a paused server (SIGCONT). */
  resume(): void {
    for (const pid of this.pids()) process.kill(pid, 'SIGCONT')
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate')
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** Synchronous last resort, for process exit. */
  stopNow(): void {
    if (!this.up) return
    spawnSync(bin('pg_ctl'), ['stop', '-m', 'immediate', '-D', join(this.dir, 'data')], { ...this.user, cwd: tmpdir() })
    this.up = false
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** The postmaster's pid (first line of postmaster.pid) and its children's. */
  private pids(): number[] {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0)
    return [postmaster, ...children]
  }
}
