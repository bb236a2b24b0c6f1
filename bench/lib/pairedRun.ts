import path from 'node:path'
import { BENCH_DIR } from './deps'
import type { PairJob, PairReport, PairSpec, RedisCost } from './pairs'
import { forkTs, nextMessage, stop } from './processes'
import { medianInterval, type Interval } from './stats'

/** Settings of the paired mode. */
export interface PairedSettings {
  rounds: number
  warmupRounds: number
  slices: number
  batch: number
  concurrency: number
}

/** One pair's result: the median ratio with its 95% interval, and each side's median time per request. */
export interface PairResult {
  id: string
  label: string
  store: 'memory' | 'redis'
  target?: number
  aa?: string
  ratio: Interval
  baselineMicros: number
  candidateMicros: number
  /** Every round's ratio, for the JSON file. */
  ratios: number[]
}

const PAIR_TIMEOUT_MS = 10 * 60_000

/** Runs each pair in a fresh process (pinned with `pin`), one after the other. */
export async function runPairs(
  pairs: readonly PairSpec[],
  settings: PairedSettings,
  options: {
    redisPort?: number
    redisCost?: boolean
    onRedisCost?: (cost: { baseline?: RedisCost; candidate?: RedisCost }) => void
    pin: (pid: number | undefined) => void
    log: (line: string) => void
  }
): Promise<PairResult[]> {
  const results: PairResult[] = []
  for (const pair of pairs) {
    const child = forkTs(path.join(BENCH_DIR, 'paired.ts'))
    options.pin(child.pid)
    try {
      const reply = nextMessage<PairReport>(child, 'paired', PAIR_TIMEOUT_MS)
      const job: PairJob = {
        type: 'pair',
        pair,
        ...settings,
        redisPort: options.redisPort,
        redisCost: options.redisCost
      }
      child.send(job)
      const report = await reply
      const ratio = medianInterval(report.ratios)
      if (report.redis) options.onRedisCost?.(report.redis)
      const result: PairResult = {
        id: pair.id,
        label: pair.label,
        store: pair.store,
        target: pair.target,
        aa: pair.aa,
        ratio,
        baselineMicros: medianInterval(report.baselineMicros).median,
        candidateMicros: medianInterval(report.candidateMicros).median,
        ratios: report.ratios
      }
      options.log(
        `[paired] ${pair.id}: ${ratio.median.toFixed(3)} [${ratio.low.toFixed(3)}, ${ratio.high.toFixed(3)}] ` +
          `(${result.baselineMicros.toFixed(1)} vs ${result.candidateMicros.toFixed(1)} µs/req, ${ratio.n} rounds)`
      )
      results.push(result)
    } finally {
      await stop(child)
    }
  }
  return results
}
