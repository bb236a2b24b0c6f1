import type { PairSpec, Services } from './scenario'

/** How much a pair is measured. */
export interface PairedSettings {
  /** Recorded rounds; each gives one ratio. */
  rounds: number
  /** Unrecorded rounds before them. */
  warmupRounds: number
  /** Batches of each side per round, in a rotating order. */
  slices: number
  /** Requests per batch. */
  batch: number
  /** Requests in flight at once within a batch. */
  concurrency: number
}

/** What the harness asks the measuring process for. */
export interface PairJob {
  type: 'pair'
  pair: PairSpec
  settings: PairedSettings
  services: Services
}

/** One pair's rounds: B/A and A/A′ ratios (throughput, from CPU time), and each side's CPU µs per request. */
export interface PairReport {
  type: 'paired'
  id: string
  ratios: number[]
  aaRatios: number[]
  baselineMicros: number[]
  candidateMicros: number[]
}
