import { existsSync } from 'node:fs'
import path from 'node:path'
import type { PairedSettings } from './pairedJob'
import type { StoredSessions } from './scenario'

/** A run's settings, from the environment. */
export interface BenchConfig {
  /** `BENCH_MODE=full` for the long run; quick (the default) finishes in a few minutes. */
  mode: 'quick' | 'full'
  /** Pairs to run: pair ids or group ids, comma-separated (`BENCH_PAIRS`, default all). */
  selection: string[]
  paired: PairedSettings
  /** Sessions stored before their pairs (`BENCH_REDIS_SESSIONS`, `BENCH_POSTGRES_SESSIONS`, `BENCH_SQLITE_SESSIONS`). */
  sessions: StoredSessions
  /** Built `dist/` folders for the build pairs (`BENCH_BASELINE_DIST`, `BENCH_CANDIDATE_DIST`). */
  baselineDist: string | undefined
  candidateDist: string | undefined
  /** Commits to build outside the checkout for them instead (`BENCH_BASELINE_REF`, `BENCH_CANDIDATE_REF`). */
  baselineRef: string | undefined
  candidateRef: string | undefined
  /** Load-generator rounds per server (`BENCH_LOAD_ROUNDS`, 0 skips it) and seconds per round (`BENCH_LOAD_SECONDS`). */
  loadRounds: number
  loadSeconds: number
  /** Concurrent connections of the load generator (`BENCH_CONNECTIONS`). */
  connections: number
  /** File to write every measurement to, as JSON (`BENCH_JSON`). */
  jsonFile: string | undefined
  /** Folder for a V8 CPU profile of each measuring process (`BENCH_CPU_PROFILE`), to find where the time goes. */
  cpuProfileDir: string | undefined
}

const QUICK = {
  rounds: 11,
  warmupRounds: 1,
  slices: 4,
  batch: 96,
  redis: 20_000,
  postgres: 100_000,
  sqlite: 100_000,
  loadRounds: 2,
  loadSeconds: 2
}
const FULL = {
  rounds: 60,
  warmupRounds: 4,
  slices: 12,
  batch: 100,
  redis: 1_000_000,
  postgres: 1_000_000,
  sqlite: 1_000_000,
  loadRounds: 10,
  loadSeconds: 3
}

function number(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replace(/_/g, ''))
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`)
  return value
}

/** A built dist/ folder named by an environment variable: absolute, and holding the main entry. */
function distFolder(name: string): string | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return undefined
  const folder = path.resolve(raw)
  if (!existsSync(path.join(folder, 'index.js')))
    throw new Error(`${name} must be a built dist/ folder (with index.js), got "${raw}"`)
  return folder
}

/** Reads the run's settings from the environment. */
export function readConfig(): BenchConfig {
  const rawMode = process.env.BENCH_MODE ?? 'quick'
  if (rawMode !== 'quick' && rawMode !== 'full') throw new Error(`BENCH_MODE must be quick or full, got "${rawMode}"`)
  const defaults = rawMode === 'full' ? FULL : QUICK
  return {
    mode: rawMode,
    selection: (process.env.BENCH_PAIRS ?? 'all')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
    paired: {
      rounds: Math.max(1, number('BENCH_ROUNDS', defaults.rounds)),
      warmupRounds: number('BENCH_WARMUP', defaults.warmupRounds),
      slices: Math.max(1, number('BENCH_SLICES', defaults.slices)),
      batch: Math.max(1, number('BENCH_BATCH', defaults.batch)),
      concurrency: Math.max(1, number('BENCH_CONCURRENCY', 32))
    },
    sessions: {
      redis: number('BENCH_REDIS_SESSIONS', defaults.redis),
      postgres: number('BENCH_POSTGRES_SESSIONS', defaults.postgres),
      sqlite: number('BENCH_SQLITE_SESSIONS', defaults.sqlite)
    },
    baselineDist: distFolder('BENCH_BASELINE_DIST'),
    candidateDist: distFolder('BENCH_CANDIDATE_DIST'),
    baselineRef: process.env.BENCH_BASELINE_REF || undefined,
    candidateRef: process.env.BENCH_CANDIDATE_REF || undefined,
    loadRounds: number('BENCH_LOAD_ROUNDS', defaults.loadRounds),
    loadSeconds: Math.max(1, number('BENCH_LOAD_SECONDS', defaults.loadSeconds)),
    connections: Math.max(1, number('BENCH_CONNECTIONS', 50)),
    jsonFile: process.env.BENCH_JSON || undefined,
    cpuProfileDir: process.env.BENCH_CPU_PROFILE ? path.resolve(process.env.BENCH_CPU_PROFILE) : undefined
  }
}
