export { RedisEngine, type RedisEngineOptions } from './engines/RedisEngine'
export type { RedisClientLike, RedisClusterLike } from './engines/redis/connection'
