/** An app of a paired comparison, built in the measuring process. */
export type AppSpec =
  | { kind: 'no-session' }
  | { kind: 'redis-get' }
  | { kind: 'registry'; store: 'memory' | 'redis'; track?: boolean; localCacheEntries?: number }

/** Two apps measured against each other in one process, in alternating batches. */
export interface PairSpec {
  /** Name used by `BENCH_PAIRS`. */
  id: string
  /** What the ratio says. */
  label: string
  store: 'memory' | 'redis'
  baseline: AppSpec
  candidate: AppSpec
  /** The smallest acceptable median ratio (candidate throughput over baseline's), when there is a target. */
  target?: number
  /** The A/A pair whose interval is shown beside this one. */
  aa?: string
}

/** Every pair, in report order: each store's A/A check first. */
export const PAIRS: readonly PairSpec[] = [
  {
    id: 'aa-memory',
    label: 'A/A: MemoryEngine app vs an identical second one',
    store: 'memory',
    baseline: { kind: 'registry', store: 'memory' },
    candidate: { kind: 'registry', store: 'memory' },
    target: 0.98
  },
  {
    id: 'memory',
    label: 'MemoryEngine vs no session',
    store: 'memory',
    baseline: { kind: 'no-session' },
    candidate: { kind: 'registry', store: 'memory' },
    target: 0.92,
    aa: 'aa-memory'
  },
  {
    id: 'memory-track',
    label: 'MemoryEngine, trackSessionAccess, vs no session',
    store: 'memory',
    baseline: { kind: 'no-session' },
    candidate: { kind: 'registry', store: 'memory', track: true },
    aa: 'aa-memory'
  },
  {
    id: 'aa-redis',
    label: 'A/A: raw-GET app vs an identical second one',
    store: 'redis',
    baseline: { kind: 'redis-get' },
    candidate: { kind: 'redis-get' },
    target: 0.98
  },
  {
    id: 'redis',
    label: 'RedisEngine vs a raw GET on the same node-redis',
    store: 'redis',
    baseline: { kind: 'redis-get' },
    candidate: { kind: 'registry', store: 'redis' },
    target: 0.95,
    aa: 'aa-redis'
  },
  {
    id: 'redis-local-cache',
    label: 'RedisEngine with localCache, hot sessions, vs no session',
    store: 'redis',
    baseline: { kind: 'no-session' },
    candidate: { kind: 'registry', store: 'redis', localCacheEntries: 10_000 },
    target: 0.9,
    aa: 'aa-memory'
  },
  {
    id: 'redis-local-cache-vs-get',
    label: 'RedisEngine with localCache, hot sessions, vs a raw GET',
    store: 'redis',
    baseline: { kind: 'redis-get' },
    candidate: { kind: 'registry', store: 'redis', localCacheEntries: 10_000 },
    aa: 'aa-redis'
  }
]

/** What the harness asks the paired process to measure. */
export interface PairJob {
  type: 'pair'
  pair: PairSpec
  rounds: number
  warmupRounds: number
  /** Alternating batches of each side per round. */
  slices: number
  /** Requests per batch. */
  batch: number
  /** Requests in flight at once within a batch. */
  concurrency: number
  redisPort?: number
  /** Also measure each side alone against Redis's own statistics. */
  redisCost?: boolean
}

/** Redis's side of one app's requests. */
export interface RedisCost {
  /** Commands Redis ran per request (`INFO commandstats`). */
  commandsPerRequest: number
  /** `usec_per_call` of each command. */
  usecPerCall: Record<string, number>
  /** redis-server CPU time (user + system, event loop and I/O included) per request, in microseconds. */
  serverCpuMicrosPerRequest: number
}

/** One pair's measurements: per round, the candidate's throughput over the baseline's, and each side's time per request. */
export interface PairReport {
  type: 'paired'
  id: string
  ratios: number[]
  baselineMicros: number[]
  candidateMicros: number[]
  redis?: { baseline?: RedisCost; candidate?: RedisCost }
}
