import { SCENARIOS, type Scenario } from './scenarios'

/** A run's settings, from the environment (every one has a default for the full run). */
export interface BenchConfig {
  /** Seconds of load per measurement (`BENCH_DURATION`). */
  duration: number
  /** Measurements per row; the table shows their median (`BENCH_ROUNDS`). */
  rounds: number
  /** Seconds of unmeasured load per server before its first round (`BENCH_WARMUP`). */
  warmup: number
  /** Concurrent connections of the load generator (`BENCH_CONNECTIONS`). */
  connections: number
  /** The rows to run (`BENCH_SCENARIOS`, comma-separated ids; `memory` and `redis` select a whole store; `none`). */
  scenarios: Scenario[]
  /** Sessions stored before the memory rows run (`BENCH_MEMORY_SIZES`). */
  memorySizes: number[]
  /** Sessions stored before the Redis rows run (`BENCH_REDIS_SIZES`). */
  redisSizes: number[]
  /** Sessions for the heap-per-session measurement; 0 skips it (`BENCH_HEAP_SESSIONS`). */
  heapSessions: number
  /** Pin the server to one core and the load generator (and Redis) to the other (`BENCH_PIN`, 1 or 0). */
  pin: boolean
  /** Directory for a `--cpu-prof` profile of every server (`BENCH_PROFILE_DIR`). */
  profileDir: string | undefined
  /** File to write the results to as JSON (`BENCH_JSON`). */
  jsonFile: string | undefined
}

function number(name: string, fallback: number, { min = 0 }: { min?: number } = {}): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`)
  return value
}

function sizes(name: string, fallback: number[]): number[] {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const values = raw.split(',').map((part) => Number(part.trim().replace(/_/g, '')))
  if (values.some((value) => !Number.isSafeInteger(value) || value < 0)) {
    throw new Error(`${name} must be comma-separated counts, got "${raw}"`)
  }
  return [...new Set(values)].sort((a, b) => a - b)
}

function scenarios(): Scenario[] {
  const raw = process.env.BENCH_SCENARIOS
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...SCENARIOS]
  if (raw.trim() === 'none') return []
  const wanted = new Set(raw.split(',').map((part) => part.trim()))
  for (const id of wanted) {
    if (id !== 'memory' && id !== 'redis' && !SCENARIOS.some((scenario) => scenario.id === id)) {
      const known = SCENARIOS.map((scenario) => scenario.id).join(', ')
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${id}" (known: memory, redis, ${known})`)
    }
  }
  return SCENARIOS.filter((scenario) => wanted.has(scenario.id) || wanted.has(scenario.store))
}

/** Reads the run's settings from the environment. */
export function readConfig(): BenchConfig {
  return {
    duration: number('BENCH_DURATION', 2, { min: 1 }),
    rounds: number('BENCH_ROUNDS', 5, { min: 1 }),
    warmup: number('BENCH_WARMUP', 2),
    connections: number('BENCH_CONNECTIONS', 50, { min: 1 }),
    scenarios: scenarios(),
    memorySizes: sizes('BENCH_MEMORY_SIZES', [1_000, 100_000]),
    redisSizes: sizes('BENCH_REDIS_SIZES', [1_000, 100_000, 1_000_000]),
    heapSessions: number('BENCH_HEAP_SESSIONS', 100_000),
    pin: process.env.BENCH_PIN !== '0',
    profileDir: process.env.BENCH_PROFILE_DIR || undefined,
    jsonFile: process.env.BENCH_JSON || undefined
  }
}
