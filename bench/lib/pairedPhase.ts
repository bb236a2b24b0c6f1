// The paired phase of `npm run bench`: the in-process paired ratios (memory, then Redis with sessions
// preloaded), Redis's own cost per request, the revocation lag of localCache across two processes under
// load, and the heap bound of localCache.
import path from 'node:path'
import type { CacheHeapJob, CacheHeapReport } from '../cacheHeap'
import type { LoadJob, LoadResult } from '../load'
import type { PreloadJob, PreloadReport } from '../preloadRedis'
import type { RevocationJob, RevocationReport } from '../revoker'
import type { ServerReady } from '../servers/common'
import { BENCH_DIR } from './deps'
import { USER_AGENT } from './fixtures'
import { runPairs, type PairResult } from './pairedRun'
import { PAIRS, type PairSpec, type RedisCost } from './pairs'
import { forkTs, nextMessage, stop } from './processes'
import { hasRedisServer, startRedisServer } from './redisServer'
import { quantile } from './stats'

/** Settings of the paired phase, from the environment. */
export interface PairedConfig {
  /** Pairs to run (`BENCH_PAIRS`: ids, `memory`, `redis`, `all` or `none`). */
  pairs: PairSpec[]
  rounds: number
  warmupRounds: number
  slices: number
  batch: number
  concurrency: number
  /** Sessions preloaded into Redis before the Redis pairs (`BENCH_PAIRED_REDIS_SESSIONS`). */
  redisSessions: number
  /** Revocations measured for the lag, idle then under load; 0 skips it (`BENCH_REVOCATIONS`). */
  revocations: number
  /** Sessions read through a bounded localCache for its heap figure; 0 skips it (`BENCH_CACHE_HEAP_SESSIONS`). */
  cacheHeapSessions: number
}

/** The revocation lag of localCache, in milliseconds. */
export interface RevocationLag {
  revocations: number
  p50: number
  p99: number
  max: number
  /** Requests the other instance still accepted after a logOut had resolved, over every revocation. */
  acceptedAfterRevocation: number
  /** Throughput of the load on the other instance while the lag was measured. */
  loadRequestsPerSecond: number
  loadConnections: number
}

/** Everything the paired phase produced. */
export interface PairedResults {
  pairs: PairResult[]
  redisCost: { pair: string; baseline?: RedisCost; candidate?: RedisCost }[]
  redisSessions: number
  /** The lag with the other process idle, then under load. */
  revocation: RevocationLag[]
  cacheHeap: CacheHeapReport[]
}

function number(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replace(/_/g, ''))
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`)
  return value
}

/** Reads the paired phase's settings from the environment. */
export function readPairedConfig(): PairedConfig {
  const raw = (process.env.BENCH_PAIRS ?? 'all').trim()
  const wanted = new Set(raw.split(',').map((part) => part.trim()))
  for (const id of wanted) {
    if (!['all', 'none', 'memory', 'redis', ...PAIRS.map((pair) => pair.id)].includes(id)) {
      throw new Error(
        `BENCH_PAIRS: unknown pair "${id}" (known: all, none, memory, redis, ${PAIRS.map((pair) => pair.id).join(', ')})`
      )
    }
  }
  // The revocation lag and the cache's heap come with the Redis pairs, unless asked for by themselves.
  const withRedis = wanted.has('all') || wanted.has('redis')
  const pairs = wanted.has('none')
    ? []
    : PAIRS.filter((pair) => wanted.has('all') || wanted.has(pair.id) || wanted.has(pair.store))
  return {
    pairs,
    rounds: number('BENCH_PAIRED_ROUNDS', 60),
    warmupRounds: number('BENCH_PAIRED_WARMUP', 4),
    slices: number('BENCH_PAIRED_SLICES', 20),
    batch: number('BENCH_PAIRED_BATCH', 100),
    concurrency: number('BENCH_PAIRED_CONCURRENCY', 32),
    redisSessions: number('BENCH_PAIRED_REDIS_SESSIONS', 1_000_000),
    revocations: number('BENCH_REVOCATIONS', withRedis ? 3_000 : 0),
    cacheHeapSessions: number('BENCH_CACHE_HEAP_SESSIONS', withRedis ? 30_000 : 0)
  }
}

/** What the phase needs from the harness. */
export interface PhaseContext {
  pin(pid: number | undefined, where: 'server' | 'client'): void
  log(line: string): void
  /** Runs one autocannon job on the harness's load generator. */
  load(job: Omit<LoadJob, 'id'>): Promise<LoadResult>
  connections: number
}

const START_TIMEOUT_MS = 120_000
const PRELOAD_TIMEOUT_MS = 15 * 60_000
const LOCAL_CACHE_ENTRIES = 10_000

/** Runs the phase; Redis parts are skipped with a note when redis-server is missing. */
export async function runPairedPhase(
  config: PairedConfig,
  context: PhaseContext,
  notes: string[]
): Promise<PairedResults> {
  const settings = {
    rounds: config.rounds,
    warmupRounds: config.warmupRounds,
    slices: config.slices,
    batch: config.batch,
    concurrency: config.concurrency
  }
  const pin = (pid: number | undefined): void => context.pin(pid, 'server')
  const results: PairedResults = { pairs: [], redisCost: [], redisSessions: 0, revocation: [], cacheHeap: [] }
  const memory = config.pairs.filter((pair) => pair.store === 'memory')
  results.pairs.push(...(await runPairs(memory, settings, { pin, log: context.log })))
  const redisPairs = config.pairs.filter((pair) => pair.store === 'redis')
  if (redisPairs.length + config.revocations + config.cacheHeapSessions === 0) return results
  if (!hasRedisServer()) {
    notes.push('redis-server is not installed: the paired Redis measurements were skipped.')
    return results
  }
  const redis = await startRedisServer()
  context.pin(redis.pid, 'client')
  try {
    if (redisPairs.length > 0 && config.redisSessions > 0) {
      context.log(`[paired] preloading ${config.redisSessions} sessions (registry and raw layouts)`)
      const child = forkTs(path.join(BENCH_DIR, 'preloadRedis.ts'))
      const reply = nextMessage<PreloadReport>(child, 'preloaded', PRELOAD_TIMEOUT_MS)
      const job: PreloadJob = {
        type: 'preload',
        port: redis.port,
        layouts: ['registry', 'raw'],
        from: 0,
        count: config.redisSessions
      }
      child.send(job)
      await reply
      await stop(child)
      results.redisSessions = config.redisSessions
    }
    for (const pair of redisPairs) {
      const [result] = await runPairs([pair], settings, {
        pin,
        log: context.log,
        redisPort: redis.port,
        redisCost: pair.id === 'redis' || pair.id === 'redis-local-cache',
        onRedisCost: (cost) => results.redisCost.push({ pair: pair.id, ...cost })
      })
      results.pairs.push(result)
    }
    if (config.revocations > 0) {
      for (const underLoad of [false, true]) {
        results.revocation.push(await measureRevocationLag(config, context, redis.port, underLoad))
      }
    }
    if (config.cacheHeapSessions > 0) {
      for (const maxEntries of [100, config.cacheHeapSessions]) {
        const child = forkTs(path.join(BENCH_DIR, 'cacheHeap.ts'), {}, ['--expose-gc'])
        const reply = nextMessage<CacheHeapReport>(child, 'cache-heap', PRELOAD_TIMEOUT_MS)
        const job: CacheHeapJob = {
          type: 'cache-heap',
          redisPort: redis.port,
          sessions: config.cacheHeapSessions,
          maxEntries
        }
        child.send(job)
        const report = await reply
        await stop(child)
        context.log(
          `[cache heap] maxEntries ${maxEntries}: ${report.entriesKept} kept, heap +${Math.round(report.heapGrowthBytes / 1024)} KiB after ${report.sessions} sessions`
        )
        results.cacheHeap.push(report)
      }
    }
  } finally {
    await redis.stop()
  }
  return results
}

async function measureRevocationLag(
  config: PairedConfig,
  context: PhaseContext,
  redisPort: number,
  underLoad: boolean
): Promise<RevocationLag> {
  const env = {
    BENCH_STORE: 'redis',
    BENCH_REDIS_PORT: String(redisPort),
    BENCH_LOCAL_CACHE: String(LOCAL_CACHE_ENTRIES)
  }
  const observer = forkTs(path.join(BENCH_DIR, 'servers', 'registry.ts'), env)
  context.pin(observer.pid, 'server')
  const revoker = forkTs(path.join(BENCH_DIR, 'revoker.ts'))
  context.pin(revoker.pid, 'client')
  try {
    const ready = await nextMessage<ServerReady>(observer, 'ready', START_TIMEOUT_MS)
    const base = `http://127.0.0.1:${ready.port}`
    // The load: another user's session, hot in the observer's cache, hammered while the lag is measured.
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'user-agent': USER_AGENT } })
    const token = /\S+$/.exec(login.headers.get('authorization') ?? '')?.[0]
    if (!token) throw new Error('the observer sent no token')
    const reply = nextMessage<RevocationReport>(revoker, 'revoked', PRELOAD_TIMEOUT_MS)
    const job: RevocationJob = {
      type: 'revoke',
      redisPort,
      url: `${base}/me`,
      revocations: config.revocations,
      localCacheEntries: LOCAL_CACHE_ENTRIES
    }
    let done = false
    const loads: LoadResult[] = []
    const loading = (async () => {
      while (underLoad && !done) {
        loads.push(
          await context.load({
            url: `${base}/me`,
            headers: { 'user-agent': USER_AGENT, authorization: `Bearer ${token}` },
            connections: context.connections,
            duration: 1
          })
        )
      }
    })()
    revoker.send(job)
    const report = await reply.finally(() => {
      done = true
    })
    await loading
    const lags = report.lagsMs
    const lag: RevocationLag = {
      revocations: lags.length,
      p50: quantile(lags, 0.5),
      p99: quantile(lags, 0.99),
      max: Math.max(...lags),
      acceptedAfterRevocation: report.acceptedAfterRevocation,
      loadRequestsPerSecond: loads.reduce((sum, load) => sum + load.requestsPerSecond, 0) / Math.max(1, loads.length),
      loadConnections: underLoad ? context.connections : 0
    }
    context.log(
      `[revocation${underLoad ? ', under load' : ', idle'}] ${lag.revocations} revocations: lag p50 ${lag.p50.toFixed(3)} ms, p99 ${lag.p99.toFixed(3)} ms, ` +
        `max ${lag.max.toFixed(3)} ms; ${lag.acceptedAfterRevocation} requests accepted after a logOut resolved; ` +
        `load ${Math.round(lag.loadRequestsPerSecond)} req/s`
    )
    return lag
  } finally {
    await stop(revoker)
    await stop(observer)
  }
}
