import { invalidOption } from '../../engine'
import type { RedisAdapter } from './adapter'
import { IoRedisAdapter, IoRedisClusterAdapter, type IoRedisClusterLike, type IoRedisLike } from './ioredis'
import {
  NodeRedisClientAdapter,
  NodeRedisClusterAdapter,
  NodeRedisSentinelAdapter,
  type RedisClientLike,
  type RedisClusterLike,
  type RedisSentinelLike
} from './nodeRedis'

/** Any client the engine accepts as `client` or `globalClient`. */
export type SupportedRedisClient =
  RedisClientLike | RedisClusterLike | RedisSentinelLike | IoRedisLike | IoRedisClusterLike

const SUPPORTED =
  'a node-redis client (createClient, createCluster or createSentinel, v4 or later) or an ioredis/iovalkey Redis or Cluster'

type Probe = Record<string, unknown> & { options?: Record<string, unknown> }

/**
 * The adapter for a client the app passed in, detected by its shape so that neither client library is
 * loaded for it. A client that cannot work is refused here, with what to pass instead, rather than
 * accepted and failing on every request.
 */
export function adapterFor(value: unknown, option: string): RedisAdapter {
  const probe = (typeof value === 'object' && value !== null ? value : {}) as Probe
  const has = (name: string) => typeof probe[name] === 'function'

  if (has('call') && typeof probe.status === 'string' && has('connect')) {
    return probe.isCluster === true && has('nodes') && has('pipeline')
      ? new IoRedisClusterAdapter(value as IoRedisClusterLike)
      : new IoRedisAdapter(value as IoRedisLike)
  }
  if (!(has('sendCommand') && has('connect'))) throw invalidOption(option, value, SUPPORTED)
  // node-redis 4's legacyMode client answers through callbacks: its promises resolve to nothing, so
  // every session would read as missing.
  if (probe.options?.legacyMode === true) {
    throw invalidOption(
      option,
      value,
      `a node-redis client without legacyMode: create a second client for the sessions with createClient() (no legacyMode)`
    )
  }
  // A pool may send the commands of one operation over different connections, out of order.
  if (has('execute') && 'totalClients' in probe) {
    throw invalidOption(option, value, 'a single client, not a pool: pass a client from createClient() instead')
  }
  if (has('nodeClient') && Array.isArray(probe.masters)) return new NodeRedisClusterAdapter(value as RedisClusterLike)
  if (has('use') && has('getMasterNode')) return new NodeRedisSentinelAdapter(value as RedisSentinelLike)
  return new NodeRedisClientAdapter(value as RedisClientLike)
}
