import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BenchResults } from '../../bench/lib/report'
import { allPairs, findApp, findCall, GROUPS } from '../../bench/scenarios'

// A harness check, not a benchmark: nothing here is timed or compared. The real harness, end to end, on
// a tiny configuration: two memory pairs (a read and a log out, the peer express-session in one) for a
// few small rounds, the load-generator scenario for one second, and every other peer built and checked
// once, to keep `npm run bench` from rotting.
/** A few small rounds: enough for an interval and its A/A, far too few to mean anything. */
const TINY_ROUNDS = { BENCH_ROUNDS: '3', BENCH_WARMUP: '0', BENCH_SLICES: '2', BENCH_BATCH: '10' }

describe('the benchmark harness (npm run bench)', () => {
  const root = path.resolve(__dirname, '../..')
  /** Runs `npm run bench`'s script with `env` over this process's environment. */
  const runBench = (env: Record<string, string>, timeout: number) =>
    spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout,
      env: { ...process.env, ...env }
    })
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'))
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  describe('the scenario registry', () => {
    it('gives every pair a unique id and apps (or calls) that exist', () => {
      const ids = allPairs().map(({ pair }) => pair.id)
      expect(new Set(ids).size).toBe(ids.length)
      for (const { pair } of allPairs()) {
        const find = pair.kind === 'call' ? findCall : findApp
        expect(() => find(pair.baseline)).not.toThrow()
        expect(() => find(pair.candidate)).not.toThrow()
      }
    })

    it('gives every call of a per-change pair the same answer before and now', () => {
      for (const { pair } of allPairs().filter(({ pair: each }) => each.kind === 'call')) {
        const before = findCall(pair.baseline).create()()
        const now = findCall(pair.candidate).create()()
        // The dates step keeps numbers where it kept Dates: compared as times.
        const times = (value: unknown): unknown =>
          value !== null && typeof value === 'object' && !(value instanceof Date)
            ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, times(field)]))
            : value instanceof Date
              ? value.getTime()
              : value
        expect({ id: pair.id, value: times(now) }).toEqual({ id: pair.id, value: times(before) })
      }
    })

    it('has the floors, ours on every engine and every peer', () => {
      const apps = GROUPS.flatMap((group) => Object.keys(group.apps))
      expect(apps).toEqual(
        expect.arrayContaining([
          'none',
          'noop',
          'none-e4',
          'noop-e4',
          'redis-get',
          'postgres-select',
          'ours-memory',
          'ours-memory-cookie',
          'ours-redis',
          'ours-redis-local-cache',
          'ours-postgres',
          'ours-sqlite',
          'express-session-memory',
          'express-session-redis',
          'connect-pg-simple',
          'original',
          'better-auth'
        ])
      )
    })
  })

  it('runs two pairs and the load scenario, and reports each ratio with its A/A', () => {
    const jsonFile = path.join(dir, 'results.json')
    const run = runBench(
      {
        BENCH_PAIRS: 'memory-vs-express-session,logout',
        ...TINY_ROUNDS,
        BENCH_LOAD_ROUNDS: '1',
        BENCH_LOAD_SECONDS: '1',
        BENCH_JSON: jsonFile
      },
      170_000
    )
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
    const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults
    expect(results.pairs.map((pair) => pair.id)).toEqual(['memory-vs-express-session', 'logout'])
    for (const pair of results.pairs) {
      for (const interval of [pair.ratio, pair.aa]) {
        expect(interval.n).toBe(3)
        expect(interval.low).toBeLessThanOrEqual(interval.median)
        expect(interval.high).toBeGreaterThanOrEqual(interval.median)
        expect(interval.median).toBeGreaterThan(0)
      }
      expect(pair.candidateMicros).toBeGreaterThan(0)
    }
    expect(results.load.map((row) => row.label)).toEqual(['no session', 'ours, MemoryEngine, Bearer'])
    for (const row of results.load) expect(row).toMatchObject({ errors: 0, requestsPerSecond: expect.any(Number) })
    expect(results.load[1].requestsPerSecond).toBeGreaterThan(0)
    expect(run.stdout).toContain('| ours MemoryEngine, cookie, vs express-session + MemoryStore |')
    expect(run.stdout).toContain('| log out: ours vs no session |')
  }, 180_000)

  it('runs the SQLite scenario and a per-change pair, and reports the bytes on disk per session', () => {
    const jsonFile = path.join(dir, 'sqlite.json')
    const run = runBench(
      {
        BENCH_PAIRS: 'sqlite-vs-memory,change-cookie',
        BENCH_SQLITE_SESSIONS: '500',
        ...TINY_ROUNDS,
        BENCH_LOAD_ROUNDS: '0',
        BENCH_JSON: jsonFile
      },
      110_000
    )
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
    const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults
    expect(results.pairs.map((pair) => [pair.id, pair.ratio.n, pair.aa.n])).toEqual([
      ['sqlite-vs-memory', 3, 3],
      ['change-cookie', 3, 3]
    ])
    expect(results.notes.join('\n')).toMatch(/SQLite pairs: 500 sessions stored, \d+ bytes on disk per session/)
    expect(run.stdout).toContain('| ours SqliteEngine vs ours MemoryEngine, Bearer |')
    expect(run.stdout).toContain('## Per change')
    expect(run.stdout).toContain('| direct cookie scan |')
  }, 120_000)

  it('builds every peer beside ours on Redis, PostgreSQL and Express 4, and checks each answers with and without its credential', () => {
    const jsonFile = path.join(dir, 'peers.json')
    const peers = [
      'redis-vs-connect-redis',
      'postgres-vs-connect-pg-simple',
      'memory-vs-original',
      'memory-vs-better-auth'
    ]
    const run = runBench(
      {
        BENCH_PAIRS: peers.join(','),
        BENCH_REDIS_SESSIONS: '200',
        BENCH_POSTGRES_SESSIONS: '200',
        BENCH_ROUNDS: '2',
        BENCH_WARMUP: '0',
        BENCH_SLICES: '1',
        BENCH_BATCH: '5',
        BENCH_LOAD_ROUNDS: '0',
        BENCH_JSON: jsonFile
      },
      170_000
    )
    // Each side's app is built, logged in to, and must answer GET /me 200 with its credential and 401 without.
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
    const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults
    expect(results.pairs.map((pair) => pair.id).sort()).toEqual([...peers].sort())
    for (const pair of results.pairs) expect(pair.candidateMicros).toBeGreaterThan(0)
  }, 180_000)

  it('runs the build pairs only when a baseline build is given', () => {
    const run = runBench({ BENCH_PAIRS: 'build', BENCH_LOAD_ROUNDS: '0' }, 60_000)
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('BENCH_BASELINE_DIST is not set: the build pairs were skipped.')
    const missing = runBench({ BENCH_PAIRS: 'build', BENCH_BASELINE_DIST: dir }, 60_000)
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('BENCH_BASELINE_DIST must be a built dist/ folder')
  }, 120_000)

  it('builds a commit given by BENCH_BASELINE_REF outside the checkout and measures it against the source', () => {
    const jsonFile = path.join(dir, 'build.json')
    const run = runBench(
      {
        BENCH_BASELINE_REF: 'HEAD',
        BENCH_PAIRS: 'build-memory',
        ...TINY_ROUNDS,
        BENCH_LOAD_ROUNDS: '0',
        BENCH_JSON: jsonFile
      },
      170_000
    )
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
    const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults
    expect(results.pairs.map((pair) => [pair.id, pair.ratio.n, pair.aa.n])).toEqual([['build-memory', 3, 3]])
    expect(results.notes).toContain(
      "Build pairs: the baseline is a build of HEAD, the candidate this checkout's source."
    )
    expect(run.stdout).toContain('## Before and after')
    // The scratch folder is gone.
    const folder = /\[build\] HEAD into (\S+)/.exec(run.stderr)?.[1]
    expect(folder).toBeDefined()
    expect(existsSync(folder!)).toBe(false)
  }, 180_000)

  it('refuses an unknown pair, naming the known ones', () => {
    const run = runBench({ BENCH_PAIRS: 'no-such-pair' }, 60_000)
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('BENCH_PAIRS: unknown pair or group "no-such-pair"')
    expect(run.stderr).toContain('memory-vs-express-session')
  }, 60_000)
})
