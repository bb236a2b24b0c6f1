// This library, on the memory engine or on RedisEngine (BENCH_STORE), with or without trackSessionAccess
// (BENCH_TRACK) and RedisEngine's localCache (BENCH_LOCAL_CACHE, its maxEntries).
import { createRegistryApp } from '../apps/registry'
import { fail, listen, redisPort, sessionsToPreload } from './common'

async function main(): Promise<void> {
  const redis = process.env.BENCH_STORE === 'redis'
  const preload = redis ? 0 : sessionsToPreload()
  const { app } = await createRegistryApp({
    store: redis ? 'redis' : 'memory',
    track: process.env.BENCH_TRACK === '1',
    redisPort: redis ? redisPort() : undefined,
    localCacheEntries: Number(process.env.BENCH_LOCAL_CACHE ?? 0),
    preload
  })
  listen(app, preload)
}

main().catch(fail)
