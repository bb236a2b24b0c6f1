// The PostgreSQL benchmark (npm run bench:postgres): PostgresEngine, express-session + connect-pg-simple,
// and a raw primary-key SELECT, each an Express 4 app in its own process on its own pool of one
// throwaway PostgreSQL, at 1 thousand, 100 thousand and 1 million stored sessions.
//
// The machine is shared and noisy, so the servers are compared inside short rounds, in a new random
// order each round, and each round's throughput is divided by the raw SELECT's of the same round; the
// report gives the median of those ratios and their spread. A second raw SELECT server (an A/A pair)
// shows how much of a difference the noise alone makes.
//
// Environment: BENCH_ROUNDS [40], BENCH_ROUND_MS [500], BENCH_CONNECTIONS [16], BENCH_SIZES
// [1000,100000,1000000], BENCH_SAMPLE (distinct sessions each server is asked for) [5000].
import { type ChildProcess, fork, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Pool as PoolType } from 'pg'
import { PostgresEngine } from '../src/postgres'
import { PostgresServer } from '../tests/support/postgresServer'
import { CONNECT_PG_TABLE, COOKIE_SECRET, fromBench, SESSION_LIFETIME_MS } from './servers/postgresCommon'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number)
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 5_000)
const PRELOAD_CHUNK = 200_000
const USERS = 250_000
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

interface Target {
  name: string
  script: string
  /** The request headers that present stored session number `index`. */
  headers: (index: number) => Record<string, string>
  port?: number
  child?: ChildProcess
}

interface Autocannon {
  (options: Record<string, unknown>): Promise<{ '2xx': number; non2xx: number; errors: number; duration: number }>
}

/** Session number `index`'s bearer token: 43 base64url characters, as SQL builds them too. */
const tokenOf = (index: number) => String(index).padStart(43, 'A')
/** Session number `index`'s express-session id: 32 characters, like uid-safe's. */
const sidOf = (index: number) => `sid${String(index).padStart(29, '0')}`

function signedCookie(sid: string): string {
  // cookie-signature, as express-session signs: HMAC-SHA-256, base64 without padding.
  const signature = createHmac('sha256', COOKIE_SECRET).update(sid).digest('base64').replace(/=+$/, '')
  return `connect.sid=${encodeURIComponent(`s:${sid}.${signature}`)}`
}

const targets: Target[] = [
  { name: 'raw SELECT', script: 'postgresRawSelect.ts', headers: (i) => ({ authorization: `Bearer ${tokenOf(i)}` }) },
  {
    name: 'raw SELECT (A/A)',
    script: 'postgresRawSelect.ts',
    headers: (i) => ({ authorization: `Bearer ${tokenOf(i)}` })
  },
  {
    name: 'PostgresEngine',
    script: 'postgresRegistry.ts',
    headers: (i) => ({ authorization: `Bearer ${tokenOf(i)}` })
  },
  {
    name: 'connect-pg-simple',
    script: 'postgresConnectPgSimple.ts',
    headers: (i) => ({ cookie: signedCookie(sidOf(i)) })
  }
]

function ensureBenchDependencies(): void {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const missing = Object.keys(manifest.dependencies).filter(
    (name) => !existsSync(path.join(__dirname, 'node_modules', name, 'package.json'))
  )
  if (missing.length === 0) return
  process.stderr.write(`bench: installing bench/ dependencies (missing: ${missing.join(', ')})\n`)
  const result = spawnSync('npm', ['ci', '--prefix', __dirname, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) throw new Error('npm ci in bench/ failed')
}

async function startTarget(target: Target, url: string): Promise<void> {
  const child = fork(path.join(__dirname, 'servers', target.script), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_POSTGRES_URL: url, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  target.child = child
  target.port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`${target.name} exited with ${code}`)))
  })
}

/** Stores sessions `from`..`to` for both libraries, with generate_series (no round trip per row). */
async function preload(pool: PoolType, from: number, to: number): Promise<void> {
  const now = Date.now()
  const expires = now + SESSION_LIFETIME_MS
  for (let start = from; start <= to; start += PRELOAD_CHUNK) {
    const end = Math.min(to, start + PRELOAD_CHUNK - 1)
    await pool.query(
      `INSERT INTO session_registry (expires_at, last_accessed, first_accessed, token, category, fields)
       SELECT to_timestamp($3::float8 / 1000), to_timestamp($2::float8 / 1000), to_timestamp($2::float8 / 1000),
         rtrim(translate(encode(sha256(convert_to(lpad(i::text, 43, 'A'), 'UTF8')), 'base64'), '+/', '-_'), '='),
         'auth-user-' || (i % $5::int),
         -- The engine's layout: each field's value as its JSON text.
         (SELECT jsonb_object_agg(key, value::text) FROM json_each(json_build_object(
           'id', 'id' || lpad(i::text, 20, '0'), 'userId', 'user-' || (i % $5::int),
           'firstAccessed', $2::bigint, 'lastAccessed', $2::bigint, 'firstIp', '203.0.113.7',
           'lastIp', '203.0.113.7', 'userAgent', $6::text, 'deviceId', NULL, 'expiresAt', $3::bigint)))
       FROM generate_series($1::int, $4::int) AS i`,
      [start, now, expires, end, USERS, USER_AGENT]
    )
    await pool.query(
      `INSERT INTO "${CONNECT_PG_TABLE}" (sid, sess, expire)
       SELECT 'sid' || lpad(i::text, 29, '0'),
         json_build_object('cookie', json_build_object('originalMaxAge', $3::bigint, 'expires', $4::text,
           'secure', false, 'httpOnly', true, 'path', '/'), 'userId', 'user-' || (i % $5::int)),
         to_timestamp($2::float8 / 1000)
       FROM generate_series($1::int, $6::int) AS i`,
      [start, expires, SESSION_LIFETIME_MS, new Date(expires).toISOString(), USERS, end]
    )
  }
  await pool.query('VACUUM ANALYZE session_registry')
  await pool.query(`VACUUM ANALYZE "${CONNECT_PG_TABLE}"`)
}

async function bytesPerSession(pool: PoolType, table: string): Promise<number> {
  const { rows } = await pool.query<{ bytes: string; n: string }>(
    `SELECT pg_total_relation_size($1) AS bytes, (SELECT count(*) FROM ${table}) AS n`,
    [table]
  )
  return Number(rows[0].bytes) / Number(rows[0].n)
}

/** Bytes per session of each part of a table: its heap (with TOAST) and each index. */
async function breakdown(pool: PoolType, table: string): Promise<string> {
  const { rows } = await pool.query<{ part: string; bytes: string; n: string }>(
    `SELECT 'heap' AS part, pg_table_size($1) AS bytes, (SELECT count(*) FROM ${table}) AS n
     UNION ALL
     SELECT indexrelid::regclass::text, pg_relation_size(indexrelid), (SELECT count(*) FROM ${table})
     FROM pg_index WHERE indrelid = $1::regclass`,
    [table]
  )
  return rows.map((row) => `${row.part} ${Math.round(Number(row.bytes) / Number(row.n))}`).join(', ')
}

async function measure(autocannon: Autocannon, target: Target, size: number, duration: number): Promise<number> {
  const indexes = Array.from({ length: Math.min(SAMPLE, size) }, () => 1 + Math.floor(Math.random() * size))
  let next = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}/me`,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: duration / 1000,
    requests: [
      {
        method: 'GET',
        setupRequest: (request: { headers?: Record<string, string> }) => {
          next = (next + 1) % indexes.length
          return { ...request, headers: { ...request.headers, ...target.headers(indexes[next]) } }
        }
      }
    ]
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  }
  return result['2xx'] / result.duration
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]
  return [at(0.25), at(0.75)]
}
const fixed = (value: number, digits = 2) => value.toFixed(digits)

async function main(): Promise<void> {
  ensureBenchDependencies()
  const autocannon = fromBench<Autocannon>('autocannon')
  const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
  const server = await PostgresServer.start()
  const pool = new Pool({ connectionString: server.connectionString, max: 2 })
  const version = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version
  try {
    const engine = new PostgresEngine({ connectionString: server.connectionString })
    await engine.prepare()
    await engine.release()
    const ddl = readFileSync(path.join(__dirname, 'node_modules', 'connect-pg-simple', 'table.sql'), 'utf8')
    await pool.query(ddl)
    for (const target of targets) await startTarget(target, server.connectionString)

    const lines: string[] = []
    const notes: string[] = []
    let loaded = 0
    for (const size of SIZES) {
      const started = Date.now()
      await preload(pool, loaded + 1, size)
      loaded = size
      process.stderr.write(`bench: ${size} sessions stored in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      const bytes = {
        PostgresEngine: await bytesPerSession(pool, 'session_registry'),
        'connect-pg-simple': await bytesPerSession(pool, `"${CONNECT_PG_TABLE}"`)
      }
      const parts = [
        `PostgresEngine: ${await breakdown(pool, 'session_registry')}`,
        `connect-pg-simple: ${await breakdown(pool, `"${CONNECT_PG_TABLE}"`)}`
      ]
      notes.push(`- ${size.toLocaleString('en-US')} sessions, bytes per session by part: ${parts.join('; ')}`)
      for (const target of targets) await measure(autocannon, target, size, 2_000)
      const rates = new Map<string, number[]>(targets.map((target) => [target.name, []]))
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of shuffle(targets))
          rates.get(target.name)!.push(await measure(autocannon, target, size, ROUND_MS))
      }
      const baseline = rates.get('raw SELECT')!
      lines.push(`| ${size.toLocaleString('en-US')} | raw SELECT | ${fixed(median(baseline), 0)} | 1 (baseline) | | |`)
      for (const target of targets.slice(1)) {
        const own = rates.get(target.name)!
        const ratios = own.map((rate, round) => rate / baseline[round])
        const [low, high] = quartiles(ratios)
        const size_ = bytes[target.name as keyof typeof bytes]
        lines.push(
          `| ${size.toLocaleString('en-US')} | ${target.name} | ${fixed(median(own), 0)} | ${fixed(median(ratios))} | ` +
            `${fixed(low)}–${fixed(high)} (${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))}) | ` +
            `${size_ === undefined ? '' : Math.round(size_)} |`
        )
      }
      process.stderr.write(`bench: ${size} sessions measured\n`)
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
    console.log(
      [
        `PostgreSQL ${version}, default settings; Node.js ${process.version}; ${os.cpus().length} × ${cpu}; ` +
          `${ROUNDS} rounds of ${ROUND_MS} ms per server and size, ${CONNECTIONS} connections, ` +
          `${Math.min(SAMPLE, SIZES[SIZES.length - 1])} distinct sessions asked for at random.`,
        '',
        '| sessions stored | server | req/s (median) | ratio to raw SELECT, same round (median) | ' +
          'ratio spread: quartiles (min–max) | bytes per session on disk |',
        '| ---: | --- | ---: | ---: | --- | ---: |',
        ...lines,
        '',
        ...notes
      ].join('\n')
    )
  } finally {
    for (const target of targets) target.child?.kill('SIGTERM')
    await pool.end()
    await server.destroy()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
