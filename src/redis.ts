export { RedisEngine, type RedisEngineOptions } from './engines/RedisEngine'
export type { RedisClientLike, RedisClusterLike } from './engines/redis/connection'
export type { LocalCacheOptions, LocalCacheState } from './engines/redis/localCache'
