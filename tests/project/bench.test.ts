import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BenchResults } from '../../bench/lib/report'
import { allPairs, findApp, GROUPS } from '../../bench/scenarios'

// A harness check, not a benchmark: nothing here is timed or compared. The real harness, end to end, on
// a tiny configuration: two memory pairs (a read and a log out, the peer express-session in one) for a
// few small rounds, and the load-generator scenario for one second, to keep `npm run bench` from rotting.
describe('the benchmark harness (npm run bench)', () => {
  const root = path.resolve(__dirname, '../..')
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'))
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  describe('the scenario registry', () => {
    it('gives every pair a unique id and apps that exist', () => {
      const ids = allPairs().map(({ pair }) => pair.id)
      expect(new Set(ids).size).toBe(ids.length)
      for (const { pair } of allPairs()) {
        expect(() => findApp(pair.baseline)).not.toThrow()
        expect(() => findApp(pair.candidate)).not.toThrow()
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
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000,
      env: {
        ...process.env,
        BENCH_PAIRS: 'memory-vs-express-session,logout',
        BENCH_ROUNDS: '3',
        BENCH_WARMUP: '0',
        BENCH_SLICES: '2',
        BENCH_BATCH: '10',
        BENCH_LOAD_ROUNDS: '1',
        BENCH_LOAD_SECONDS: '1',
        BENCH_JSON: jsonFile
      }
    })
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

  it('refuses an unknown pair, naming the known ones', () => {
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BENCH_PAIRS: 'no-such-pair' }
    })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('BENCH_PAIRS: unknown pair or group "no-such-pair"')
    expect(run.stderr).toContain('memory-vs-express-session')
  }, 60_000)
})
