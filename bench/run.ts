// `npm run bench`: every server in its own process, one load generator in another, all on loopback;
// prints one table (Markdown) with the median of several rounds. Settings: see lib/config.ts.
import { spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { HeapReport, HeapStore } from './heap'
import type { LoadJob, LoadResult } from './load'
import type { PreloadJob, PreloadReport } from './preloadRedis'
import type { ServerCpu, ServerReady } from './servers/common'
import { readConfig, type BenchConfig } from './lib/config'
import { benchVersion, BENCH_DIR, ensureBenchDependencies, ROOT_DIR } from './lib/deps'
import { BENCH_USER, USER_AGENT, type Layout } from './lib/fixtures'
import { readPairedConfig, runPairedPhase } from './lib/pairedPhase'
import { forkTs, nextMessage, stop, stopAll } from './lib/processes'
import { hasRedisServer, startRedisServer } from './lib/redisServer'
import { median, render, summarise, type BenchResults, type MemoryFigure, type Round, type Row } from './lib/report'
import type { Scenario, Store } from './lib/scenarios'

const SERVER_START_TIMEOUT_MS = 120_000
const PRELOAD_TIMEOUT_MS = 15 * 60_000
// With BENCH_PIN the server under test gets one core to itself; the load generator and Redis share the other.
const SERVER_CPU = '0'
const CLIENT_CPU = '1'

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`)
}

function pin(pid: number | undefined, cpus: string, config: BenchConfig): void {
  if (!config.pin || pid === undefined) return
  spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

function count(value: number): string {
  return value >= 1_000_000 ? `${value / 1_000_000}M` : value >= 1_000 ? `${value / 1_000}k` : String(value)
}

/** The load generator process: one autocannon run per job. */
class LoadGenerator {
  private readonly child: ChildProcess
  private nextId = 0

  constructor(config: BenchConfig) {
    this.child = forkTs(path.join(BENCH_DIR, 'load.ts'))
    pin(this.child.pid, CLIENT_CPU, config)
  }

  async run(job: Omit<LoadJob, 'id'>): Promise<LoadResult> {
    const id = ++this.nextId
    const reply = nextMessage<LoadResult>(this.child, 'result', (job.duration + 60) * 1_000)
    this.child.send({ ...job, id })
    const result = await reply
    if (result.id !== id) throw new Error('load generator answered out of order')
    return result
  }

  close(): Promise<void> {
    return stop(this.child)
  }
}

interface RunningServer {
  scenario: Scenario
  child: ChildProcess
  url: string
  headers: Record<string, string>
  express: string
}

/** Logs in as a client would and returns the headers that carry the credential. */
async function logIn(base: string, scenario: Scenario): Promise<Record<string, string>> {
  const response = await fetch(`${base}/login`, { method: 'POST', headers: { 'user-agent': USER_AGENT } })
  if (!response.ok) throw new Error(`${scenario.id}: POST /login answered ${response.status}`)
  const headers: Record<string, string> = { 'user-agent': USER_AGENT }
  if (scenario.credential === 'bearer') {
    const token = /^bearer\s+(\S+)$/i.exec(response.headers.get('authorization') ?? '')?.[1]
    if (!token) throw new Error(`${scenario.id}: POST /login sent no bearer token`)
    headers.authorization = `Bearer ${token}`
  } else if (scenario.credential === 'cookie') {
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith('connect.sid='))
    if (!cookie) throw new Error(`${scenario.id}: POST /login set no connect.sid cookie`)
    headers.cookie = cookie.split(';')[0]
  }
  return headers
}

/** Checks that the route really checks the session: 200 with the user's id with it, 401 without. */
async function verify(server: RunningServer): Promise<void> {
  const { scenario, url, headers } = server
  const response = await fetch(url, { headers })
  const body = (await response.json().catch(() => undefined)) as { id?: string } | undefined
  if (response.status !== 200 || body?.id !== BENCH_USER) {
    throw new Error(`${scenario.id}: GET /me with the credential answered ${response.status} ${JSON.stringify(body)}`)
  }
  if (scenario.credential === 'none') return
  const anonymous = await fetch(url, { headers: { 'user-agent': USER_AGENT } })
  await anonymous.arrayBuffer()
  if (anonymous.status !== 401)
    throw new Error(`${scenario.id}: GET /me without a credential answered ${anonymous.status}`)
}

async function startServer(
  scenario: Scenario,
  sessions: number,
  env: Record<string, string>,
  config: BenchConfig
): Promise<RunningServer> {
  // One folder per server: Node writes a profile per thread (tsx's loader runs on a thread of its own).
  const nodeOptions = config.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(config.profileDir, `${scenario.id}-${count(sessions)}`)}`]
    : []
  const child = forkTs(path.join(BENCH_DIR, 'servers', scenario.server), { ...scenario.env, ...env }, nodeOptions)
  pin(child.pid, SERVER_CPU, config)
  try {
    const ready = await nextMessage<ServerReady>(child, 'ready', SERVER_START_TIMEOUT_MS)
    const base = `http://127.0.0.1:${ready.port}`
    const server = { scenario, child, url: `${base}/me`, headers: await logIn(base, scenario), express: ready.express }
    await verify(server)
    return server
  } catch (error) {
    await stop(child)
    throw error
  }
}

/** The server process's CPU time so far, in microseconds. */
async function serverCpu(server: RunningServer): Promise<number> {
  const reply = nextMessage<ServerCpu>(server.child, 'cpu', 10_000)
  server.child.send({ type: 'cpu' })
  return (await reply).micros
}

/** Runs one store size: starts every server of the group, warms each up, then measures them round by round. */
async function runGroup(
  store: Store,
  sessions: number,
  scenarios: Scenario[],
  config: BenchConfig,
  load: LoadGenerator,
  env: Record<string, string>,
  versions: Record<string, string>
): Promise<Row[]> {
  const servers: RunningServer[] = []
  try {
    for (const scenario of scenarios) {
      log(`[${store} ${count(sessions)}] starting ${scenario.id}`)
      servers.push(await startServer(scenario, sessions, env, config))
      versions.express = servers[servers.length - 1].express
    }
    const job = (server: RunningServer, duration: number): Omit<LoadJob, 'id'> => ({
      url: server.url,
      headers: server.headers,
      connections: config.connections,
      duration
    })
    if (config.warmup > 0) for (const server of servers) await load.run(job(server, config.warmup))
    const rounds = new Map<Scenario, Round[]>(servers.map((server) => [server.scenario, []]))
    const measure = async (server: RunningServer, round: number): Promise<Round> => {
      const cpuBefore = await serverCpu(server)
      const result = await load.run(job(server, config.duration))
      const cpuMicros = (await serverCpu(server)) - cpuBefore
      const { requestsPerSecond, p50, p99, non2xx } = result
      const measured: Round = {
        requestsPerSecond,
        p50,
        p99,
        non2xx,
        errors: result.errors + result.timeouts,
        cpuPerRequest: cpuMicros / Math.max(1, result.ok + non2xx)
      }
      rounds.get(server.scenario)!.push(measured)
      log(
        `[${store} ${count(sessions)}] round ${round + 1}/${config.rounds} ${server.scenario.id}: ` +
          `${Math.round(requestsPerSecond)} req/s, p50 ${p50} ms, p99 ${p99} ms, ` +
          `${measured.cpuPerRequest.toFixed(0)} µs CPU/req` +
          (non2xx + measured.errors > 0 ? `, ${non2xx} non-2xx, ${measured.errors} errors` : '')
      )
      return measured
    }
    const baseline = servers.find((server) => server.scenario.baseline)
    const others = servers.filter((server) => server !== baseline)
    for (let round = 0; round < config.rounds; round++) {
      // Each round in a rotated order, so that no server always runs first or after the same one; the
      // baseline runs before and after every other server, and each ratio is taken against the mean of
      // those two neighbours: on a shared machine, load from elsewhere comes and goes within seconds.
      const order = others.map((_, index) => others[(index + round) % others.length])
      let before = baseline ? await measure(baseline, round) : undefined
      for (const server of order) {
        const measured = await measure(server, round)
        if (!baseline || !before) continue
        const after = await measure(baseline, round)
        measured.ratio = (2 * measured.requestsPerSecond) / (before.requestsPerSecond + after.requestsPerSecond)
        before = after
      }
    }
    if (baseline) for (const round of rounds.get(baseline.scenario)!) round.ratio = 1
    const baselineCpu = baseline ? median(rounds.get(baseline.scenario)!.map((round) => round.cpuPerRequest)) : NaN
    return scenarios.map((scenario) =>
      summarise(
        { scenario: scenario.id, label: scenario.label, store, sessions, rounds: rounds.get(scenario)! },
        baselineCpu
      )
    )
  } finally {
    for (const server of servers) await stop(server.child)
  }
}

const HEAP_LABELS: Record<HeapStore, string> = {
  registry: 'express-session-registry MemoryEngine, V8 heap',
  original: '@universal-packages/token-registry MemoryEngine (the original), V8 heap',
  'express-session': 'express-session MemoryStore, V8 heap'
}

async function measureHeap(config: BenchConfig): Promise<MemoryFigure[]> {
  const figures: MemoryFigure[] = []
  for (const store of Object.keys(HEAP_LABELS) as HeapStore[]) {
    const child = forkTs(
      path.join(BENCH_DIR, 'heap.ts'),
      { BENCH_HEAP_STORE: store, BENCH_HEAP_SESSIONS: String(config.heapSessions) },
      ['--expose-gc']
    )
    const report = await nextMessage<HeapReport>(child, 'heap', SERVER_START_TIMEOUT_MS)
    await stop(child)
    log(`heap: ${store} ${Math.round(report.bytesPerSession)} bytes per session`)
    figures.push({ what: HEAP_LABELS[store], sessions: report.sessions, bytesPerSession: report.bytesPerSession })
  }
  return figures
}

const REDIS_LABELS: Record<Layout, string> = {
  registry: 'express-session-registry RedisEngine, Redis used_memory',
  'connect-redis': 'connect-redis (express-session), Redis used_memory',
  raw: 'plain keys of the raw-GET baseline (one session as JSON each), Redis used_memory'
}

async function runRedis(
  scenarios: Scenario[],
  config: BenchConfig,
  load: LoadGenerator,
  results: BenchResults,
  versions: Record<string, string>
): Promise<void> {
  if (!hasRedisServer()) {
    const note = 'redis-server is not installed: the Redis rows were skipped (apt-get install redis-server).'
    log(`!!! ${note}`)
    results.notes.push(note)
    return
  }
  const redis = await startRedisServer()
  versions['redis-server'] = redis.version
  pin(redis.pid, CLIENT_CPU, config)
  try {
    const layouts = [...new Set(scenarios.flatMap((scenario) => (scenario.layout ? [scenario.layout] : [])))]
    const bytes = new Map<Layout, number>(layouts.map((layout) => [layout, 0]))
    let loaded = 0
    for (const sessions of config.redisSizes) {
      if (sessions > loaded) {
        log(`[redis] preloading ${sessions - loaded} more sessions of each layout (${layouts.join(', ')})`)
        const child = forkTs(path.join(BENCH_DIR, 'preloadRedis.ts'))
        const reply = nextMessage<PreloadReport>(child, 'preloaded', PRELOAD_TIMEOUT_MS)
        const job: PreloadJob = { type: 'preload', port: redis.port, layouts, from: loaded, count: sessions - loaded }
        child.send(job)
        const report = await reply
        await stop(child)
        for (const entry of report.layouts) {
          bytes.set(entry.layout, bytes.get(entry.layout)! + entry.bytes)
          log(`[redis] ${entry.layout}: ${sessions - loaded} sessions in ${entry.seconds.toFixed(1)} s`)
        }
        loaded = sessions
      }
      for (const layout of layouts) {
        if (sessions === 0) continue
        results.redisMemory.push({
          what: REDIS_LABELS[layout],
          sessions,
          bytesPerSession: bytes.get(layout)! / sessions
        })
      }
      const env = { BENCH_REDIS_PORT: String(redis.port) }
      results.rows.push(...(await runGroup('redis', sessions, scenarios, config, load, env, versions)))
    }
  } finally {
    await redis.stop()
  }
}

function machine(): Record<string, string> {
  const cpus = os.cpus()
  const git = (args: string[]): string => spawnSync('git', args, { cwd: ROOT_DIR }).stdout?.toString().trim() ?? ''
  const dirty = git(['status', '--porcelain', '--', 'src', 'bench']) === '' ? '' : ' (with uncommitted changes)'
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty}`
  }
}

function commandLine(): string {
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_JSON')
    .map(([name, value]) => `${name}=${value}`)
  return [...settings, 'npm run bench'].join(' ')
}

async function main(): Promise<void> {
  if (process.env.BENCH_RENDER) {
    // Prints the tables of an earlier run's BENCH_JSON file again, measuring nothing.
    process.stdout.write(render(JSON.parse(readFileSync(process.env.BENCH_RENDER, 'utf8')) as BenchResults))
    return
  }
  const config = readConfig()
  const pairedConfig = readPairedConfig()
  ensureBenchDependencies()
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    command: commandLine(),
    settings: {
      duration: config.duration,
      rounds: config.rounds,
      warmup: config.warmup,
      connections: config.connections,
      pipelining: 1,
      pinned: config.pin
    },
    machine: machine(),
    rows: [],
    heap: [],
    redisMemory: [],
    notes: []
  }
  const versions: Record<string, string> = {}
  for (const name of [
    'autocannon',
    'express-session',
    'connect-redis',
    '@universal-packages/express-session',
    'redis'
  ]) {
    versions[name] = benchVersion(name)
  }
  if (config.profileDir) mkdirSync(config.profileDir, { recursive: true })
  const load = new LoadGenerator(config)
  try {
    const memory = config.scenarios.filter((scenario) => scenario.store === 'memory')
    if (memory.length > 0) {
      for (const sessions of config.memorySizes) {
        results.rows.push(...(await runGroup('memory', sessions, memory, config, load, {}, versions)))
      }
    }
    if (config.heapSessions > 0) results.heap = await measureHeap(config)
    const redis = config.scenarios.filter((scenario) => scenario.store === 'redis')
    if (redis.length > 0) await runRedis(redis, config, load, results, versions)
    results.paired = await runPairedPhase(
      pairedConfig,
      {
        pin: (pid, where) => pin(pid, where === 'server' ? SERVER_CPU : CLIENT_CPU, config),
        log,
        load: (job) => load.run(job),
        connections: config.connections
      },
      results.notes
    )
  } finally {
    await load.close()
  }
  results.finishedAt = new Date().toISOString()
  results.machine = { ...results.machine, ...Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, v])) }
  if (config.jsonFile) writeFileSync(config.jsonFile, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(render(results))
}

main().catch((error: unknown) => {
  stopAll()
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exit(1)
})
