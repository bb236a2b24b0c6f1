import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BenchResults } from '../bench/lib/report'

// A harness check, not a benchmark: nothing here is timed or compared. One server (memory engine, so no
// Redis is needed) under load for one second, and the paired mode's A/A pair for a few small rounds, to
// keep `npm run bench` from rotting.
describe('the benchmark harness (npm run bench)', () => {
  const root = path.resolve(__dirname, '..')
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'))
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs one server for one second and reports its row with requests per second', () => {
    const jsonFile = path.join(dir, 'results.json')
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bench/run.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000,
      env: {
        ...process.env,
        BENCH_SCENARIOS: 'registry-memory',
        BENCH_MEMORY_SIZES: '1000',
        BENCH_DURATION: '1',
        BENCH_ROUNDS: '1',
        BENCH_WARMUP: '0',
        BENCH_HEAP_SESSIONS: '0',
        BENCH_PIN: '0',
        BENCH_PAIRS: 'aa-memory',
        BENCH_PAIRED_ROUNDS: '3',
        BENCH_PAIRED_WARMUP: '0',
        BENCH_PAIRED_SLICES: '2',
        BENCH_PAIRED_BATCH: '10',
        BENCH_JSON: jsonFile
      }
    })
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' })
    const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults
    expect(results.rows).toEqual([expect.objectContaining({ scenario: 'registry-memory', sessions: 1000 })])
    expect(results.rows[0].requestsPerSecond).toBeGreaterThan(0)
    expect(run.stdout).toContain('| express-session-registry, MemoryEngine |')
    // The paired in-process mode: the A/A pair's median ratio and its interval, rendered in the report.
    const [aa] = results.paired!.pairs
    expect(aa).toMatchObject({ id: 'aa-memory', ratio: { n: 3 } })
    expect(aa.ratio.low).toBeLessThanOrEqual(aa.ratio.median)
    expect(aa.ratio.high).toBeGreaterThanOrEqual(aa.ratio.median)
    expect(aa.ratio.median).toBeGreaterThan(0)
    expect(run.stdout).toContain('| A/A: MemoryEngine app vs an identical second one |')
  }, 180_000)
})
