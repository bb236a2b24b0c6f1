// Compile-time tests of the Redis entry's localCache types.
import { RedisEngine, type LocalCacheOptions, type LocalCacheState } from 'express-session-registry/redis'

const options: LocalCacheOptions = { maxEntries: 10_000 }
const engine = new RedisEngine({ url: 'redis://localhost:6379', localCache: options })
const state: LocalCacheState | undefined = engine.localCache
const size: number | undefined = state?.size
const tracking: boolean | undefined = state?.tracking

// @ts-expect-error maxEntries is a number
new RedisEngine({ localCache: { maxEntries: '10' } })
new RedisEngine({ localCache: { maxEntries: 10_000, maxStaleness: 500 } })
// @ts-expect-error maxStaleness is a number of milliseconds
new RedisEngine({ localCache: { maxEntries: 10, maxStaleness: '1s' } })
// @ts-expect-error maxEntries is required
new RedisEngine({ localCache: {} })
// @ts-expect-error the state is read-only
engine.localCache!.size = 1

export { size, tracking }
