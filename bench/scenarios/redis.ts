// One redis-server with sessions preloaded in each layout (ours, the raw GET's, connect-redis's).
import { expressSessionApp } from '../apps/expressSession'
import { redisGetApp } from '../apps/floors'
import { oursApp } from '../apps/ours'
import type { ScenarioGroup } from '../lib/scenario'
import { preloadRedis } from '../lib/preloadRedis'

/** localCache's bound in the hot-cache rows: far above the one session read. */
const LOCAL_CACHE_ENTRIES = 10_000

/** The Redis group. */
export const redisGroup: ScenarioGroup = {
  id: 'redis',
  needs: ['redis'],
  apps: {
    'redis-get': { label: 'raw node-redis GET in a middleware', create: (services) => redisGetApp(services) },
    'ours-redis': {
      label: 'ours, RedisEngine, Bearer',
      create: (services) => oursApp({ engine: 'redis', credential: 'bearer' }, services)
    },
    'ours-redis-cookie': {
      label: 'ours, RedisEngine, cookie',
      create: (services) => oursApp({ engine: 'redis', credential: 'cookie' }, services)
    },
    'ours-redis-local-cache': {
      label: 'ours, RedisEngine + localCache (hot), Bearer',
      create: (services) =>
        oursApp({ engine: 'redis', credential: 'bearer', localCacheEntries: LOCAL_CACHE_ENTRIES }, services)
    },
    'express-session-redis': {
      label: 'express-session + connect-redis',
      create: (services) => expressSessionApp('connect-redis', services)
    }
  },
  summary: [
    { engine: 'Redis (floor: raw GET)', library: 'ours, RedisEngine', floor: 'redis' },
    {
      engine: 'Redis, localCache hot (floor: do-nothing middleware)',
      library: 'ours, RedisEngine + localCache',
      floor: 'redis-local-cache'
    },
    {
      engine: 'Redis (floor: raw GET)',
      library: 'express-session + connect-redis',
      floor: 'connect-redis',
      versus: 'redis-vs-connect-redis'
    }
  ],
  pairs: [
    {
      id: 'redis',
      kind: 'read',
      label: 'ours RedisEngine vs a raw GET in a middleware',
      baseline: 'redis-get',
      candidate: 'ours-redis',
      target: 0.97
    },
    {
      id: 'redis-local-cache',
      kind: 'read',
      label: 'ours RedisEngine + localCache (hot) vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'ours-redis-local-cache',
      target: 0.96
    },
    {
      id: 'redis-local-cache-vs-get',
      kind: 'read',
      label: 'ours RedisEngine + localCache (hot) vs a raw GET',
      baseline: 'redis-get',
      candidate: 'ours-redis-local-cache',
      fullModeOnly: true
    },
    {
      id: 'connect-redis',
      kind: 'read',
      label: 'express-session + connect-redis vs a raw GET',
      baseline: 'redis-get',
      candidate: 'express-session-redis'
    },
    {
      id: 'redis-vs-connect-redis',
      kind: 'read',
      label: 'ours RedisEngine, cookie, vs express-session + connect-redis',
      baseline: 'express-session-redis',
      candidate: 'ours-redis-cookie',
      target: 2
    }
  ],
  preload: async (services, sessions, log) => {
    if (sessions.redis === 0 || services.redisPort === undefined) return
    log(`[redis] preloading ${sessions.redis.toLocaleString('en-US')} sessions of each layout`)
    await preloadRedis(services.redisPort, ['registry', 'raw', 'connect-redis'], sessions.redis)
  }
}
