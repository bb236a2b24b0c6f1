// `npm run bench`: the paired in-process harness, one process per pair (lib/scenario.ts, scenarios/),
// then one load-generator scenario over real HTTP for throughput and latency percentiles. Prints one
// Markdown report; progress goes to standard error. Settings: lib/config.ts, BENCHMARKS.md's Method.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PostgresServer } from '../tests/support/postgresServer'
import { RedisServer } from '../tests/support/redisServer'
import type { LoadJob, LoadResult } from './load'
import { readConfig, type BenchConfig } from './lib/config'
import { buildRef } from './lib/buildRef'
import { benchVersion, BENCH_DIR, ensureBenchDependencies, ROOT_DIR } from './lib/deps'
import { USER_AGENT } from './lib/fixtures'
import type { PairJob, PairReport } from './lib/pairedJob'
import { forkTs, nextMessage, stop, stopAll } from './lib/processes'
import { render, type BenchResults, type LoadRow, type PairResult } from './lib/report'
import type { PairSpec, ScenarioGroup, Service, Services } from './lib/scenario'
import { median, medianInterval } from './lib/stats'
import type { ServerReady } from './server'
import { allPairs, findApp, GROUPS } from './scenarios'

const PAIR_TIMEOUT_MS = 15 * 60_000
const START_TIMEOUT_MS = 120_000

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`)
}

/** The pairs asked for (`BENCH_PAIRS`: pair ids, group ids, `all`, `none`). */
function selectPairs(config: BenchConfig): { group: ScenarioGroup; pair: PairSpec }[] {
  const wanted = new Set(config.selection)
  const every = allPairs()
  const known = new Set(['all', 'none', ...GROUPS.map((group) => group.id), ...every.map(({ pair }) => pair.id)])
  for (const id of wanted) {
    if (!known.has(id)) throw new Error(`BENCH_PAIRS: unknown pair or group "${id}" (known: ${[...known].join(', ')})`)
  }
  if (wanted.has('none')) return []
  // A pair named by its id runs in either mode; a whole group or `all` leaves the full-mode-only ones out
  // of the quick mode, and `all` leaves out the groups that run only when their services are given.
  const inAll = (group: ScenarioGroup): boolean => !group.onlyWhenGiven || config.baselineDist !== undefined
  return every.filter(
    ({ group, pair }) =>
      wanted.has(pair.id) ||
      (((wanted.has('all') && inAll(group)) || wanted.has(group.id)) && (config.mode === 'full' || !pair.fullModeOnly))
  )
}

const installed = (command: string): boolean => !spawnSync(command, ['--version']).error

/** Starts the services the selected groups need, with tests/support's launchers. */
async function startServices(
  needs: Set<Service>,
  config: BenchConfig,
  notes: string[]
): Promise<{ services: Services; versions: Record<string, string>; stop(): Promise<void> }> {
  const services: Services = {}
  const versions: Record<string, string> = {}
  const stops: (() => Promise<void>)[] = []
  if (needs.has('sqlite')) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esr-bench-sqlite-'))
    services.sqliteFile = path.join(dir, 'sessions.db')
    versions['better-sqlite3'] = rootVersion('better-sqlite3')
    stops.push(async () => rmSync(dir, { recursive: true, force: true }))
  }
  if (needs.has('baseline')) {
    if (config.baselineDist !== undefined) {
      services.baselineDist = config.baselineDist
      services.candidateDist = config.candidateDist
      const named = (ref: string | undefined, dist: string): string =>
        ref === undefined ? `the build in ${dist}` : `a build of ${ref}`
      notes.push(
        `Build pairs: the baseline is ${named(config.baselineRef, config.baselineDist)}, the candidate ` +
          `${config.candidateDist === undefined ? "this checkout's source" : named(config.candidateRef, config.candidateDist)}.`
      )
    } else notes.push('BENCH_BASELINE_DIST is not set: the build pairs were skipped.')
  }
  if (needs.has('redis')) {
    if (installed('redis-server')) {
      const redis = await RedisServer.start()
      services.redisPort = redis.port
      versions['redis-server'] = /v=(\S+)/.exec(spawnSync('redis-server', ['--version']).stdout.toString())?.[1] ?? '?'
      stops.push(() => redis.stop())
    } else notes.push('redis-server is not installed: the Redis pairs were skipped.')
  }
  if (needs.has('postgres')) {
    const postgres = await PostgresServer.start().catch((error: unknown) => {
      notes.push(`PostgreSQL could not be started (${(error as Error).message}): the PostgreSQL pairs were skipped.`)
      return undefined
    })
    if (postgres) {
      services.postgresUrl = postgres.connectionString
      stops.push(() => postgres.destroy())
    }
  }
  return {
    services,
    versions,
    stop: async () => {
      for (const stopService of stops) await stopService()
    }
  }
}

function available(group: ScenarioGroup, services: Services): boolean {
  const where: Record<Service, unknown> = {
    redis: services.redisPort,
    postgres: services.postgresUrl,
    sqlite: services.sqliteFile,
    baseline: services.baselineDist
  }
  return group.needs.every((need) => where[need] !== undefined)
}

async function runPair(
  pair: PairSpec,
  group: ScenarioGroup,
  config: BenchConfig,
  services: Services
): Promise<PairResult> {
  const profile = config.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${config.cpuProfileDir}`]
  const child = forkTs(path.join(BENCH_DIR, 'paired.ts'), {}, profile)
  try {
    const reply = nextMessage<PairReport>(child, 'paired', PAIR_TIMEOUT_MS)
    const job: PairJob = { type: 'pair', pair, settings: config.paired, services }
    child.send(job)
    const report = await reply
    const result: PairResult = {
      id: pair.id,
      group: group.id,
      label: pair.label,
      kind: pair.kind,
      target: pair.target,
      ratio: medianInterval(report.ratios),
      aa: medianInterval(report.aaRatios),
      baselineMicros: median(report.baselineMicros),
      candidateMicros: median(report.candidateMicros),
      ratios: report.ratios,
      aaRatios: report.aaRatios
    }
    const show = (value: { median: number; low: number; high: number }): string =>
      `${value.median.toFixed(3)} [${value.low.toFixed(3)}, ${value.high.toFixed(3)}]`
    log(
      `[paired] ${pair.id}: ${show(result.ratio)}, A/A ${show(result.aa)} ` +
        `(${result.baselineMicros.toFixed(1)} vs ${result.candidateMicros.toFixed(1)} µs/req)`
    )
    return result
  } finally {
    await stop(child)
  }
}

/** The load-generator scenario: no session and ours on MemoryEngine, autocannon in its own process, alternating rounds. */
async function runLoad(config: BenchConfig): Promise<LoadRow[]> {
  const apps = ['none', 'ours-memory']
  const generator = forkTs(path.join(BENCH_DIR, 'load.ts'))
  const servers: { label: string; child: ReturnType<typeof forkTs>; url: string; headers: Record<string, string> }[] =
    []
  try {
    for (const id of apps) {
      const child = forkTs(path.join(BENCH_DIR, 'server.ts'), { BENCH_APP: id, BENCH_SERVICES: '{}' })
      const { port } = await nextMessage<ServerReady>(child, 'ready', START_TIMEOUT_MS)
      const base = `http://127.0.0.1:${port}`
      const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'user-agent': USER_AGENT } })
      await login.arrayBuffer()
      const token = /^bearer\s+(\S+)$/i.exec(login.headers.get('authorization') ?? '')?.[1]
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, authorization: `Bearer ${token}` }
      servers.push({ label: findApp(id).label, child, url: `${base}/me`, headers })
    }
    let nextId = 0
    const load = async (server: (typeof servers)[number], duration: number): Promise<LoadResult> => {
      const job: LoadJob = {
        id: ++nextId,
        url: server.url,
        headers: server.headers,
        connections: config.connections,
        duration
      }
      const reply = nextMessage<LoadResult>(generator, 'result', (duration + 60) * 1_000)
      generator.send(job)
      return reply
    }
    for (const server of servers) await load(server, 1)
    const rounds = servers.map(() => [] as LoadResult[])
    for (let round = 0; round < config.loadRounds; round++) {
      const order =
        round % 2 === 0 ? servers.map((_, index) => index) : servers.map((_, index) => servers.length - 1 - index)
      for (const index of order) {
        const result = await load(servers[index], config.loadSeconds)
        rounds[index].push(result)
        log(
          `[load] ${servers[index].label}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`
        )
      }
    }
    return servers.map((server, index) => ({
      label: server.label,
      requestsPerSecond: median(rounds[index].map((round) => round.requestsPerSecond)),
      p50: median(rounds[index].map((round) => round.p50)),
      p99: median(rounds[index].map((round) => round.p99)),
      ratio:
        index === 0
          ? undefined
          : median(rounds[index].map((round, at) => round.requestsPerSecond / rounds[0][at].requestsPerSecond)),
      errors: rounds[index].reduce((sum, round) => sum + round.errors + round.timeouts + round.non2xx, 0)
    }))
  } finally {
    for (const server of servers) await stop(server.child)
    await stop(generator)
  }
}

/** The version of a package installed at the root. */
function rootVersion(name: string): string {
  return (createRequire(path.join(ROOT_DIR, 'package.json'))(`${name}/package.json`) as { version: string }).version
}

function machine(): Record<string, string> {
  const cpus = os.cpus()
  const git = (args: string[]): string => spawnSync('git', args, { cwd: ROOT_DIR }).stdout?.toString().trim() ?? ''
  const dirty = git(['status', '--porcelain', '--', 'src', 'bench']) === '' ? '' : ' (with uncommitted changes)'
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    load: os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' '),
    node: process.version,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty}`
  }
}

function commandLine(): string {
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_JSON' && name !== 'BENCH_CPU_PROFILE')
    .map(([name, value]) => `${name}=${value}`)
  return [...settings, 'npm run bench'].join(' ')
}

/** Builds the commits named by BENCH_BASELINE_REF / BENCH_CANDIDATE_REF, where no dist/ was given for them. */
function buildRefs(config: BenchConfig, removals: (() => void)[]): void {
  if (config.baselineRef !== undefined && config.baselineDist === undefined) {
    const built = buildRef(config.baselineRef, log)
    removals.push(built.remove)
    config.baselineDist = built.dist
  }
  if (config.candidateRef !== undefined && config.candidateDist === undefined) {
    const built = buildRef(config.candidateRef, log)
    removals.push(built.remove)
    config.candidateDist = built.dist
  }
}

async function main(): Promise<void> {
  const config = readConfig()
  ensureBenchDependencies()
  const removals: (() => void)[] = []
  process.on('exit', () => removals.forEach((remove) => remove()))
  buildRefs(config, removals)
  const selected = selectPairs(config)
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    command: commandLine(),
    mode: config.mode,
    settings: {
      ...config.paired,
      loadRounds: config.loadRounds,
      loadSeconds: config.loadSeconds,
      connections: config.connections
    },
    machine: machine(),
    pairs: [],
    load: [],
    notes: []
  }
  const needs = new Set(selected.flatMap(({ group }) => group.needs))
  const running = await startServices(needs, config, results.notes)
  try {
    const preloaded = new Set<ScenarioGroup['preload']>()
    for (const { group, pair } of selected) {
      if (!available(group, running.services)) continue
      if (!preloaded.has(group.preload)) {
        preloaded.add(group.preload)
        const notes = await group.preload?.(running.services, config.sessions, log)
        results.notes.push(...(notes ?? []))
      }
      results.pairs.push(await runPair(pair, group, config, running.services))
    }
  } finally {
    await running.stop()
  }
  if (config.loadRounds > 0) results.load = await runLoad(config)
  const versions: Record<string, string> = { ...running.versions }
  for (const name of [
    'express',
    'express-session',
    'connect-redis',
    'connect-pg-simple',
    '@universal-packages/express-session',
    'better-auth',
    'autocannon'
  ]) {
    versions[name === 'express' ? 'express (4)' : name] = benchVersion(name)
  }
  versions['express (5)'] = rootVersion('express')
  results.machine = { ...results.machine, ...versions }
  if (needs.has('redis'))
    results.notes.push(`Redis pairs: ${config.sessions.redis.toLocaleString('en-US')} sessions of each layout stored.`)
  if (needs.has('postgres'))
    results.notes.push(
      `PostgreSQL pairs: ${Math.max(1, config.sessions.postgres).toLocaleString('en-US')} sessions of each library stored.`
    )
  results.finishedAt = new Date().toISOString()
  if (config.jsonFile) writeFileSync(config.jsonFile, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(
    render(
      results,
      GROUPS.flatMap((group) => group.summary ?? [])
    )
  )
}

main().catch((error: unknown) => {
  stopAll()
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exit(1)
})
