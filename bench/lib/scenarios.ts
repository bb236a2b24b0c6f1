import type { Layout } from './fixtures'

/** Where a scenario keeps its sessions: in the server's heap, or in the harness's redis-server. */
export type Store = 'memory' | 'redis'

/** One server configuration of the table. */
export interface Scenario {
  /** Name used by `BENCH_SCENARIOS`. */
  id: string
  /** Row label. */
  label: string
  store: Store
  /** File under bench/servers/. */
  server: string
  env: Record<string, string>
  /** How the load generator presents its credential (taken from the server's `POST /login`). */
  credential: 'none' | 'bearer' | 'cookie'
  /** The row every other row of the same store and size is divided by. */
  baseline?: boolean
  /** The Redis layout the scenario reads, preloaded by the harness. */
  layout?: Layout
}

/** Every scenario, in table order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'no-session',
    label: 'Express, no session (baseline)',
    store: 'memory',
    server: 'noSession.ts',
    env: {},
    credential: 'none',
    baseline: true
  },
  {
    id: 'registry-memory',
    label: 'express-session-registry, MemoryEngine',
    store: 'memory',
    server: 'registry.ts',
    env: { BENCH_STORE: 'memory' },
    credential: 'bearer'
  },
  {
    id: 'registry-memory-track',
    label: 'express-session-registry, MemoryEngine, trackSessionAccess',
    store: 'memory',
    server: 'registry.ts',
    env: { BENCH_STORE: 'memory', BENCH_TRACK: '1' },
    credential: 'bearer'
  },
  {
    id: 'original-memory',
    label: '@universal-packages/express-session 1.8.2, memory',
    store: 'memory',
    server: 'original.ts',
    env: {},
    credential: 'bearer'
  },
  {
    id: 'original-memory-track',
    label: '@universal-packages/express-session 1.8.2, memory, trackSessionAccess',
    store: 'memory',
    server: 'original.ts',
    env: { BENCH_TRACK: '1' },
    credential: 'bearer'
  },
  {
    id: 'express-session-memory',
    label: 'express-session, MemoryStore',
    store: 'memory',
    server: 'expressSession.ts',
    env: { BENCH_STORE: 'memory' },
    credential: 'cookie'
  },
  {
    id: 'redis-get',
    label: 'Express + one raw Redis GET (baseline)',
    store: 'redis',
    server: 'redisGet.ts',
    env: {},
    credential: 'bearer',
    baseline: true,
    layout: 'raw'
  },
  {
    id: 'registry-redis',
    label: 'express-session-registry, RedisEngine',
    store: 'redis',
    server: 'registry.ts',
    env: { BENCH_STORE: 'redis' },
    credential: 'bearer',
    layout: 'registry'
  },
  {
    id: 'registry-redis-track',
    label: 'express-session-registry, RedisEngine, trackSessionAccess',
    store: 'redis',
    server: 'registry.ts',
    env: { BENCH_STORE: 'redis', BENCH_TRACK: '1' },
    credential: 'bearer',
    layout: 'registry'
  },
  {
    id: 'registry-redis-local-cache',
    label: 'express-session-registry, RedisEngine, localCache (hot session)',
    store: 'redis',
    server: 'registry.ts',
    env: { BENCH_STORE: 'redis', BENCH_LOCAL_CACHE: '10000' },
    credential: 'bearer',
    layout: 'registry'
  },
  {
    id: 'express-session-redis',
    label: 'express-session + connect-redis',
    store: 'redis',
    server: 'expressSession.ts',
    env: { BENCH_STORE: 'redis' },
    credential: 'cookie',
    layout: 'connect-redis'
  }
]
