import type { RequestKind, SummaryRow } from './scenario'
import type { Interval } from './stats'

/** One pair's result: the B/A ratio and its baseline's A/A, each a median with its 95% interval. */
export interface PairResult {
  id: string
  group: string
  label: string
  kind: RequestKind
  target?: number
  ratio: Interval
  aa: Interval
  /** Median CPU µs per request (per call, for a call pair) of the baseline (A and A′) and of the candidate. */
  baselineMicros: number
  candidateMicros: number
  /** Every round's ratios, for the JSON file. */
  ratios: number[]
  aaRatios: number[]
}

/** One server of the load-generator scenario. */
export interface LoadRow {
  label: string
  requestsPerSecond: number
  p50: number
  p99: number
  /** Throughput over the no-session server's in the same round, median over rounds. */
  ratio?: number
  errors: number
}

/** Everything a run produced. */
export interface BenchResults {
  startedAt: string
  finishedAt: string
  command: string
  mode: 'quick' | 'full'
  settings: Record<string, number>
  machine: Record<string, string>
  pairs: PairResult[]
  load: LoadRow[]
  notes: string[]
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const withInterval = ({ median, low, high }: Interval): string =>
  `${fixed(median, 3)} [${fixed(low, 3)}, ${fixed(high, 3)}]`

/** Whether the interval settles the target: wholly above it, wholly below it, or neither. */
function resolvedVerdict(pair: PairResult, target: number): string {
  if (pair.ratio.low >= target) return 'met'
  if (pair.ratio.high < target) return 'MISSED'
  return `not resolved (median ${pair.ratio.median >= target ? 'above' : 'below'})`
}

const BUILD_GROUPS = new Set(['build', 'build-redis'])

/** The A/A check passes when its whole interval lies within 1 ± 0.02. */
function aaVerdict(aa: Interval): string {
  return aa.low >= 0.98 && aa.high <= 1.02 ? 'ok' : 'wide'
}

const cell = (pair: PairResult | undefined): string =>
  pair ? `${withInterval(pair.ratio)} | ${withInterval(pair.aa)}` : '– | –'

/** The table a user reads first: each library against its floor and ours against it, with the A/A beside each. */
function summary(results: BenchResults, rows: readonly SummaryRow[]): string[] {
  const byId = new Map(results.pairs.map((pair) => [pair.id, pair]))
  const shown = rows.filter((row) => byId.has(row.floor) || (row.versus !== undefined && byId.has(row.versus)))
  if (shown.length === 0) return []
  const lines = [
    '## Ours and the peers',
    '',
    '| engine | library | of the floor | A/A of the floor | ours as a multiple of it | A/A of it |',
    '| --- | --- | ---: | ---: | ---: | ---: |'
  ]
  for (const row of shown) {
    const versus = row.versus === undefined ? undefined : byId.get(row.versus)
    lines.push(
      `| ${row.engine} | ${row.library} | ${cell(byId.get(row.floor))} | ${row.versus === undefined ? '– | –' : cell(versus)} |`
    )
  }
  const floors = ['floor', 'floor-e4'].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []))
  for (const floor of floors)
    lines.push('', `The floor itself: ${floor.label}, ${withInterval(floor.ratio)} (A/A ${withInterval(floor.aa)}).`)
  const moves = results.pairs.filter((pair) => pair.kind === 'login' || pair.kind === 'logout')
  if (moves.length > 0) {
    lines.push('', '| log in / log out | CPU µs over no session | ratio | A/A |', '| --- | ---: | ---: | ---: |')
    for (const pair of moves) {
      lines.push(
        `| ${pair.label} | ${fixed(pair.candidateMicros - pair.baselineMicros, 1)} | ${withInterval(pair.ratio)} | ${withInterval(pair.aa)} |`
      )
    }
  }
  return [...lines, '']
}

/** Every pair with a target, the verdict from its interval, and the A/A target over every pair. */
function targets(results: BenchResults): string[] {
  const aimed = results.pairs.filter((pair) => pair.target !== undefined)
  if (aimed.length === 0) return []
  const lines = [
    '## Targets',
    '',
    '| what | target | measured | A/A of its baseline | verdict |',
    '| --- | ---: | ---: | ---: | --- |'
  ]
  for (const pair of aimed) {
    const target = pair.target!
    const shown = target >= 1.5 ? `≥ ${fixed(target, 1)}×` : `≥ ${fixed(target, 2)}`
    lines.push(
      `| ${pair.label} | ${shown} | ${withInterval(pair.ratio)} | ${withInterval(pair.aa)} | ${resolvedVerdict(pair, target)} |`
    )
  }
  const baselines = results.pairs.filter((pair) => pair.kind !== 'call')
  const within = baselines.filter((pair) => aaVerdict(pair.aa) === 'ok').length
  const widest = baselines.reduce<PairResult | undefined>(
    (wide, pair) => (!wide || pair.aa.high - pair.aa.low > wide.aa.high - wide.aa.low ? pair : wide),
    undefined
  )
  if (widest) {
    lines.push(
      `| A/A of each baseline | 1.00 ± 0.02 | ${within} of ${baselines.length} intervals within; widest ` +
        `${withInterval(widest.aa)} (${widest.label}) | – | ${within === baselines.length ? 'met' : 'MISSED'} |`
    )
  }
  lines.push(
    '',
    'A verdict is read from the interval: met when all of it clears the target, MISSED when all of it falls short, ' +
      'not resolved when the target lies inside it.',
    ''
  )
  return lines
}

/** The build pairs (one build of the library against another) and the per-change calls. */
function beforeAfter(results: BenchResults): string[] {
  const lines: string[] = []
  const builds = results.pairs.filter((pair) => BUILD_GROUPS.has(pair.group))
  if (builds.length > 0) {
    lines.push(
      '## Before and after (one build against another)',
      '',
      '| pair | after / before | A/A of before | before µs/req | after µs/req | saved µs/req |',
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
    for (const pair of builds) {
      lines.push(
        `| ${pair.label} | ${withInterval(pair.ratio)} | ${withInterval(pair.aa)} | ${fixed(pair.baselineMicros, 1)} | ` +
          `${fixed(pair.candidateMicros, 1)} | ${fixed(pair.baselineMicros - pair.candidateMicros, 1)} |`
      )
    }
    lines.push('')
  }
  const calls = results.pairs.filter((pair) => pair.kind === 'call')
  if (calls.length > 0) {
    lines.push(
      '## Per change (one step of the request path, before and now)',
      '',
      '| change | now / before (calls per CPU second) | A/A of before | before ns/call | now ns/call | saved ns/call |',
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
    for (const pair of calls) {
      lines.push(
        `| ${pair.label.replace(/^change: /, '')} | ${withInterval(pair.ratio)} | ${withInterval(pair.aa)} | ` +
          `${fixed(pair.baselineMicros * 1_000, 0)} | ${fixed(pair.candidateMicros * 1_000, 0)} | ` +
          `${fixed((pair.baselineMicros - pair.candidateMicros) * 1_000, 0)} |`
      )
    }
    lines.push('')
  }
  return lines
}

/** The run's report, in Markdown; `rows` are the summary rows of the registered groups. */
export function render(results: BenchResults, rows: readonly SummaryRow[] = []): string {
  const lines: string[] = ['# npm run bench', '']
  lines.push(`\`${results.command}\` (${results.mode} mode), ${results.startedAt} to ${results.finishedAt}.`, '')
  lines.push(
    Object.entries(results.machine)
      .map(([name, value]) => `${name}: ${value}`)
      .join('; '),
    ''
  )
  lines.push(...summary(results, rows), ...targets(results), ...beforeAfter(results))
  const measured = results.pairs.filter((pair) => pair.kind !== 'call')
  if (measured.length > 0) {
    lines.push(
      '## Every pair, in one process (throughput ratio from CPU time; median [95% interval])',
      '',
      '| pair | B / A | A/A′ of the baseline | A µs/req | B µs/req | B − A µs | target | verdict |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |'
    )
    for (const pair of measured) {
      lines.push(
        `| ${pair.label} | ${withInterval(pair.ratio)} | ${withInterval(pair.aa)} (${aaVerdict(pair.aa)}) | ` +
          `${fixed(pair.baselineMicros, 1)} | ${fixed(pair.candidateMicros, 1)} | ` +
          `${fixed(pair.candidateMicros - pair.baselineMicros, 1)} | ` +
          `${pair.target === undefined ? '–' : `≥ ${fixed(pair.target, 2)}`} | ${pair.target === undefined ? '–' : resolvedVerdict(pair, pair.target)} |`
      )
    }
    const { rounds, slices, batch } = results.settings
    lines.push(
      '',
      `${rounds} rounds per pair of ${slices} slices, each slice one batch of ${batch} requests of A, B and A′ ` +
        'in a rotating order; a ratio above 1 means B does more requests per CPU second than A.'
    )
  }
  if (results.load.length > 0) {
    lines.push(
      '',
      '## Load generator (autocannon over loopback HTTP)',
      '',
      '| server | req/s | vs no session | p50 ms | p99 ms | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
    for (const row of results.load) {
      lines.push(
        `| ${row.label} | ${fixed(row.requestsPerSecond, 0)} | ${row.ratio === undefined ? '–' : fixed(row.ratio, 3)} | ` +
          `${fixed(row.p50, 1)} | ${fixed(row.p99, 1)} | ${row.errors} |`
      )
    }
  }
  if (results.notes.length > 0) lines.push('', ...results.notes.map((note) => `- ${note}`))
  return `${lines.join('\n')}\n`
}
