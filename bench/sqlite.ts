// The SQLite benchmark (npm run bench:sqlite): an authenticated request through Express 5 with
// SqliteEngine, against the same app without a session and with MemoryEngine, then SqliteEngine's cost
// at 1 thousand, 100 thousand and 1 million stored sessions, and the bytes on disk per session.
//
// Everything runs in this process (SqliteEngine is synchronous: there is no server to measure), each
// request through the app's whole Express stack (bench/lib/inProcess). The machine is shared and noisy,
// so the apps are compared inside short rounds, in a new random order each round, and each round's
// throughput is divided by the other app's of the same round; the report gives the median of those
// ratios with a 95 % interval. A second SqliteEngine app on the same file (an A/A pair) shows how much of
// a difference the noise alone makes.
//
// Environment: BENCH_ROUNDS [30], BENCH_BATCH (requests per app per round) [2000], BENCH_CONCURRENCY [16],
// BENCH_SIZES [1000,100000,1000000].
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import express, { type Express } from 'express'
import { authenticateRequest, MemoryEngine, session, type SessionEngine } from '../src'
import { SqliteEngine } from '../src/sqlite'
import { batch, invoke } from './lib/inProcess'
import { medianInterval } from './lib/stats'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number)
const PAIRED_SIZE = 1_000
const DAY_MS = 86_400_000

/** Session number `index`'s bearer token (43 base64url characters), and the hash the core stores it under. */
const tokenOf = (index: number) => String(index).padStart(43, 'A')
const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url')

function app(engine: SessionEngine | undefined): Express {
  const created = express()
  if (engine) {
    created.use(session({ engine }))
    created.get('/me', authenticateRequest, (request, response) => {
      response.json({ userId: request.session.userId })
    })
  } else {
    created.get('/me', (_request, response) => {
      response.json({ userId: 'anonymous' })
    })
  }
  return created
}

/** A stored session as the core writes one at log in, for user `index % 10_000`. */
function subjectOf(index: number, now: number): Record<string, unknown> {
  return {
    id: `id${String(index).padStart(20, '0')}`,
    userId: `user-${index % 10_000}`,
    firstAccessed: now,
    lastAccessed: now,
    firstIp: '203.0.113.7',
    lastIp: '203.0.113.7',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    deviceId: null,
    expiresAt: now + 30 * DAY_MS
  }
}

function preload(engine: SessionEngine, count: number, database?: SqliteEngine['database']): void {
  const now = Date.now()
  const insert = (from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const subject = subjectOf(index, now)
      void engine.set(hashOf(tokenOf(index)), `auth-${subject.userId as string}`, subject)
    }
  }
  const CHUNK = 100_000
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK)
    if (database) database.transaction(insert)(from, to)
    else insert(from, to)
  }
}

interface Contender {
  name: string
  app: Express
  size: number
}

/** Requests per second of one batch of authenticated reads of random stored sessions. */
async function throughput({ app: target, size }: Contender): Promise<number> {
  const { wallMicros } = await batch(
    () => invoke(target, 'GET', '/me', { authorization: `Bearer ${tokenOf(Math.floor(Math.random() * size))}` }),
    BATCH,
    CONCURRENCY,
    200
  )
  return BATCH / (wallMicros / 1e6)
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

/** Runs the contenders interleaved, in a new random order each round; their req/s per round. */
async function rounds(contenders: Contender[]): Promise<Map<string, number[]>> {
  const results = new Map(contenders.map((contender) => [contender.name, [] as number[]]))
  for (const contender of contenders) await throughput(contender) // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const contender of shuffled(contenders)) results.get(contender.name)!.push(await throughput(contender))
  }
  return results
}

const format = (value: number, digits = 2) => value.toFixed(digits)

function ratioRow(label: string, a: number[], b: number[]): string {
  const { median, low, high } = medianInterval(a.map((value, round) => value / b[round]))
  return `| ${label} | ${format(median)} | ${format(low)} – ${format(high)} |`
}

function median(values: number[]): number {
  return medianInterval(values).median
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esr-bench-sqlite-'))
  const engines: SqliteEngine[] = []
  const sqliteEngine = (filename: string) => {
    const engine = new SqliteEngine({ filename, sweepInterval: 0 })
    engines.push(engine)
    return engine
  }
  try {
    console.log(`# SqliteEngine benchmark`)
    console.log(
      `\nNode ${process.version}, ${os.cpus().length} CPUs, ${ROUNDS} rounds of ${BATCH} requests per app, ` +
        `${CONCURRENCY} at a time, in process through Express 5; interleaved in a random order each round.\n`
    )

    const pairedFile = path.join(dir, 'paired.db')
    const sqlite = sqliteEngine(pairedFile)
    preload(sqlite, PAIRED_SIZE, sqlite.database)
    const memory = new MemoryEngine()
    preload(memory, PAIRED_SIZE)
    const contenders: Contender[] = [
      { name: 'no session', app: app(undefined), size: PAIRED_SIZE },
      { name: 'MemoryEngine', app: app(memory), size: PAIRED_SIZE },
      { name: 'SqliteEngine', app: app(sqlite), size: PAIRED_SIZE },
      { name: 'SqliteEngine (A/A)', app: app(sqliteEngine(pairedFile)), size: PAIRED_SIZE }
    ]
    const paired = await rounds(contenders)
    memory.release()
    const of = (name: string) => paired.get(name)!
    console.log(`## Paired, ${PAIRED_SIZE} stored sessions (throughput ratio, median of rounds, 95 % interval)\n`)
    console.log('| pair | ratio | interval |\n| --- | --- | --- |')
    console.log(ratioRow('SqliteEngine / no session', of('SqliteEngine'), of('no session')))
    console.log(ratioRow('SqliteEngine / MemoryEngine', of('SqliteEngine'), of('MemoryEngine')))
    console.log(ratioRow('SqliteEngine (A/A) / SqliteEngine', of('SqliteEngine (A/A)'), of('SqliteEngine')))
    console.log('\n| app | req/s (median) |\n| --- | --- |')
    for (const { name } of contenders) console.log(`| ${name} | ${format(median(of(name)), 0)} |`)

    console.log('\n## Cost by stored sessions (SqliteEngine vs no session, interleaved)\n')
    console.log(
      '| stored sessions | SqliteEngine req/s | / no session | interval | µs added per request | bytes on disk per session |'
    )
    console.log('| --- | --- | --- | --- | --- | --- |')
    for (const size of SIZES) {
      const file = path.join(dir, `sessions-${size}.db`)
      const engine = sqliteEngine(file)
      preload(engine, size, engine.database)
      engine.database.pragma('wal_checkpoint(TRUNCATE)')
      const bytes = statSync(file).size
      const results = await rounds([
        { name: 'no session', app: app(undefined), size },
        { name: 'SqliteEngine', app: app(engine), size }
      ])
      const withEngine = results.get('SqliteEngine')!
      const without = results.get('no session')!
      const { median: ratio, low, high } = medianInterval(withEngine.map((value, round) => value / without[round]))
      const addedMicros = 1e6 / median(withEngine) - 1e6 / median(without)
      console.log(
        `| ${size.toLocaleString('en')} | ${format(median(withEngine), 0)} | ${format(ratio)} | ` +
          `${format(low)} – ${format(high)} | ${format(addedMicros, 1)} | ${format(bytes / size, 0)} |`
      )
      engine.release()
      rmSync(file, { force: true })
    }
  } finally {
    for (const engine of engines) engine.release()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
