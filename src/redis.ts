export { RedisEngine, type RedisEngineOptions } from './engines/RedisEngine'
export type { SupportedRedisClient } from './engines/redis/detect'
export type { IoRedisClusterLike, IoRedisLike } from './engines/redis/ioredis'
export type { RedisClientLike, RedisClusterLike, RedisSentinelLike } from './engines/redis/nodeRedis'
