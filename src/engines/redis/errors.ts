import { SessionError } from '../../engine'

/**
 * `RedisEngine#prepare()` found a `maxmemory-policy` under which Redis may evict session keys. Through
 * `session()` it is the `cause` of a `SessionEngineError` (status 503).
 */
export class RedisEvictionPolicyError extends SessionError {
  override name = 'RedisEvictionPolicyError'
  declare readonly code: 'ESR_REDIS_EVICTION_POLICY'
  /** The policy found, e.g. `allkeys-lru`. */
  readonly policy: string

  constructor(message: string, policy: string) {
    super(message, { code: 'ESR_REDIS_EVICTION_POLICY' })
    this.policy = policy
  }
}

/**
 * A write reached its master but fewer replicas than the `replicas` option acknowledged it within
 * `replicaTimeout`: it may be lost on a failover. Through `session()` it is the `cause` of a
 * `SessionEngineError` (status 503).
 */
export class RedisReplicationError extends SessionError {
  override name = 'RedisReplicationError'
  declare readonly code: 'ESR_REDIS_REPLICAS'
  /** How many replicas acknowledged the write. */
  readonly acknowledged: number
  /** How many were asked for (the `replicas` option). */
  readonly replicas: number

  constructor(acknowledged: number, replicas: number, replicaTimeout: number) {
    super(`only ${acknowledged} of ${replicas} replicas acknowledged the write within ${replicaTimeout} ms`, {
      code: 'ESR_REDIS_REPLICAS'
    })
    this.acknowledged = acknowledged
    this.replicas = replicas
  }
}

/**
 * Redis gave no answer within the `commandTimeout` option; the client's last connection error, if any,
 * is its `cause`. Through `session()` it is the `cause` of a `SessionEngineError` (status 503).
 */
export class RedisTimeoutError extends SessionError {
  override name = 'RedisTimeoutError'
  declare readonly code: 'ESR_REDIS_TIMEOUT'
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number

  constructor(timeoutMs: number, cause?: Error) {
    super(`Redis did not answer within ${timeoutMs} ms`, { code: 'ESR_REDIS_TIMEOUT', cause })
    this.timeoutMs = timeoutMs
  }
}
