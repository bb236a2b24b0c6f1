import type { PairedResults } from './pairedPhase'
import { pairedSection } from './pairedReport'
import type { Store } from './scenarios'

/** One measurement of one row. */
export interface Round {
  requestsPerSecond: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  /** Microseconds of server CPU (user + system) per answered request: unlike throughput, barely moved by load from elsewhere. */
  cpuPerRequest: number
  /** This measurement's throughput over the mean of the baseline's measured just before and just after it. */
  ratio?: number
}

/** One row of the table: a scenario at one store size, with every round. */
export interface Row {
  scenario: string
  label: string
  store: Store
  sessions: number
  rounds: Round[]
  requestsPerSecond: number
  p50: number
  p99: number
  /** Median of the paired ratios to the baseline; undefined without a baseline in the run. */
  ratio?: number
  /** Median server CPU per request, in microseconds. */
  cpuPerRequest: number
  /** The baseline's median CPU per request over this row's: the throughput ratio a CPU-bound server would reach. */
  cpuRatio?: number
  /** Why the row is not to be trusted (failed requests); undefined when it is clean. */
  warning?: string
}

/** Per-session memory figures. */
export interface MemoryFigure {
  what: string
  sessions: number
  bytesPerSession: number
}

/** Everything a run produced. */
export interface BenchResults {
  startedAt: string
  finishedAt: string
  command: string
  settings: Record<string, string | number | boolean>
  machine: Record<string, string>
  rows: Row[]
  heap: MemoryFigure[]
  redisMemory: MemoryFigure[]
  notes: string[]
  /** The paired in-process ratios, Redis's cost per request, the revocation lag and the local cache's heap. */
  paired?: PairedResults
}

/** The median (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Summarises a row's rounds into its medians; `baselineCpu` is the baseline's median CPU per request (NaN for none). */
export function summarise(
  row: Omit<Row, 'requestsPerSecond' | 'p50' | 'p99' | 'ratio' | 'warning' | 'cpuPerRequest' | 'cpuRatio'>,
  baselineCpu: number
): Row {
  const cpuPerRequest = median(row.rounds.map((round) => round.cpuPerRequest))
  const failed = row.rounds.reduce((sum, round) => sum + round.non2xx + round.errors, 0)
  const ratios = row.rounds.flatMap((round) => (round.ratio === undefined ? [] : [round.ratio]))
  return {
    ...row,
    requestsPerSecond: median(row.rounds.map((round) => round.requestsPerSecond)),
    p50: median(row.rounds.map((round) => round.p50)),
    p99: median(row.rounds.map((round) => round.p99)),
    ratio: ratios.length > 0 ? median(ratios) : undefined,
    cpuPerRequest,
    cpuRatio: Number.isFinite(baselineCpu) ? baselineCpu / cpuPerRequest : undefined,
    warning: failed > 0 ? `${failed} requests failed or were refused` : undefined
  }
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US')
const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')

function count(value: number): string {
  if (value >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000}M`
  if (value >= 1_000 && value % 1_000 === 0) return `${value / 1_000}k`
  return String(value)
}

/** The throughput table, in Markdown. */
export function throughputTable(rows: Row[]): string {
  const lines = [
    '| store | sessions stored | server | req/s (median) | ratio to baseline | p50 ms | p99 ms | server CPU µs/req | CPU ratio | req/s min–max (runs) |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |'
  ]
  for (const row of rows) {
    const all = row.rounds.map((round) => round.requestsPerSecond)
    const perRound = `${integer(Math.min(...all))}–${integer(Math.max(...all))} (${all.length})`
    const label = row.warning ? `${row.label} ⚠ ${row.warning}` : row.label
    lines.push(
      `| ${row.store} | ${count(row.sessions)} | ${label} | ${integer(row.requestsPerSecond)} | ` +
        `${row.ratio === undefined ? '–' : fixed(row.ratio, 2)} | ${fixed(row.p50, 0)} | ${fixed(row.p99, 0)} | ` +
        `${fixed(row.cpuPerRequest, 0)} | ${row.cpuRatio === undefined ? '–' : fixed(row.cpuRatio, 2)} | ${perRound} |`
    )
  }
  return lines.join('\n')
}

/** The per-session memory table, in Markdown. */
export function memoryTable(heap: MemoryFigure[], redis: MemoryFigure[]): string {
  const lines = ['| measured | sessions | bytes per session |', '| --- | ---: | ---: |']
  for (const figure of [...heap, ...redis]) {
    lines.push(`| ${figure.what} | ${count(figure.sessions)} | ${integer(figure.bytesPerSession)} |`)
  }
  return lines.join('\n')
}

/** One target of the issue, checked against a run. */
export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

function find(rows: Row[], scenario: string, sessions?: number): Row[] {
  return rows.filter((row) => row.scenario === scenario && (sessions === undefined || row.sessions === sessions))
}

const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? 'met' : 'MISSED')

/** Checks the run against the targets; a target whose rows did not run is "not measured". */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const { rows } = results
  const checks: TargetCheck[] = []
  for (const row of find(rows, 'registry-memory')) {
    checks.push({
      target: `MemoryEngine ≥ 0.90 of no-session (${count(row.sessions)} sessions)`,
      measured: row.ratio === undefined ? 'no baseline in this run' : fixed(row.ratio, 2),
      met: row.ratio === undefined ? undefined : row.ratio >= 0.9
    })
  }
  const redisSizes = find(rows, 'registry-redis').map((row) => row.sessions)
  const largest = Math.max(...redisSizes)
  const smallest = Math.min(...redisSizes)
  for (const row of find(rows, 'registry-redis', largest)) {
    checks.push({
      target: `RedisEngine ≥ 0.90 of raw GET at ${count(largest)} sessions`,
      measured: row.ratio === undefined ? 'no baseline in this run' : fixed(row.ratio, 2),
      met: row.ratio === undefined ? undefined : row.ratio >= 0.9
    })
  }
  if (redisSizes.length > 1) {
    for (const scenario of ['registry-redis', 'registry-redis-track']) {
      const [big] = find(rows, scenario, largest)
      const [small] = find(rows, scenario, smallest)
      if (!big || !small) continue
      const flat = big.requestsPerSecond / small.requestsPerSecond
      // The two sizes run minutes apart, so the raw quotient carries the machine's drift; the quotient of
      // the ratios to the raw-GET baseline (measured alongside each) does not, and is the verdict.
      const normalised = big.ratio !== undefined && small.ratio !== undefined ? big.ratio / small.ratio : undefined
      checks.push({
        target: `${big.label}: req/s at ${count(largest)} ≥ 0.95 of at ${count(smallest)}`,
        measured:
          (normalised === undefined ? '' : `${fixed(normalised, 2)} relative to raw GET; `) +
          `raw ${fixed(flat, 2)} (${integer(big.requestsPerSecond)} vs ${integer(small.requestsPerSecond)} req/s)`,
        met: (normalised ?? flat) >= 0.95
      })
    }
  }
  // Ahead of the others on every comparable row: same store, same size; tracking rows against the
  // original's tracking rows, and every row of ours against express-session (which touches the store on
  // every request).
  const pairs: Array<[string, string]> = [
    ['registry-memory', 'express-session-memory'],
    ['registry-memory', 'original-memory'],
    ['registry-memory-track', 'express-session-memory'],
    ['registry-memory-track', 'original-memory-track'],
    ['registry-redis', 'express-session-redis'],
    ['registry-redis-track', 'express-session-redis']
  ]
  for (const [ours, theirs] of pairs) {
    for (const row of find(rows, ours)) {
      const [other] = find(rows, theirs, row.sessions)
      if (!other) continue
      // Both rows' ratios were taken against the same baseline measured next to each, so their quotient
      // is free of the machine's drift between the two rows; the raw medians are shown beside it.
      const paired = row.ratio !== undefined && other.ratio !== undefined ? row.ratio / other.ratio : undefined
      const raw = row.requestsPerSecond / other.requestsPerSecond
      checks.push({
        target: `${row.label} ahead of ${other.label} (${count(row.sessions)})`,
        measured:
          (paired === undefined ? '' : `${fixed(paired, 2)}× relative to baseline; `) +
          `raw ${fixed(raw, 2)}× (${integer(row.requestsPerSecond)} vs ${integer(other.requestsPerSecond)} req/s)`,
        met: (paired ?? raw) > 1
      })
    }
  }
  for (const figure of results.heap.filter((entry) => entry.what.startsWith('express-session-registry'))) {
    checks.push({
      target: `MemoryEngine ≤ 1 KiB of heap per session (${count(figure.sessions)})`,
      measured: `${integer(figure.bytesPerSession)} B`,
      met: figure.bytesPerSession <= 1024
    })
  }
  const redisFigures = results.redisMemory.filter((entry) => entry.what.startsWith('express-session-registry'))
  const biggest = redisFigures.reduce<MemoryFigure | undefined>(
    (best, entry) => (!best || entry.sessions > best.sessions ? entry : best),
    undefined
  )
  if (biggest) {
    checks.push({
      target: `RedisEngine ≤ 600 B of Redis memory per session (${count(biggest.sessions)})`,
      measured: `${integer(biggest.bytesPerSession)} B`,
      met: biggest.bytesPerSession <= 600
    })
  }
  return checks
}

/** The targets, in Markdown. */
export function targetsTable(checks: TargetCheck[]): string {
  const lines = ['| target | measured | verdict |', '| --- | --- | --- |']
  for (const check of checks) lines.push(`| ${check.target} | ${check.measured} | ${verdict(check.met)} |`)
  return lines.join('\n')
}

/** A run's report: command, settings, machine, then the three tables, in Markdown. */
export function render(results: BenchResults): string {
  const settings = Object.entries(results.settings)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ')
  const machineLines = Object.entries(results.machine).map(([name, value]) => `- ${name}: ${value}`)
  const minutes = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 60_000
  return [
    '',
    `Command: \`${results.command}\` (${minutes.toFixed(1)} min, ${results.startedAt})`,
    `Settings: ${settings}`,
    '',
    ...machineLines,
    '',
    ...(results.rows.length > 0 ? [throughputTable(results.rows), ''] : []),
    ...(results.paired ? [pairedSection(results.paired), ''] : []),
    ...(results.heap.length + results.redisMemory.length > 0
      ? [memoryTable(results.heap, results.redisMemory), '']
      : []),
    targetsTable(checkTargets(results)),
    '',
    ...results.notes.map((note) => `Note: ${note}`),
    ''
  ].join('\n')
}
