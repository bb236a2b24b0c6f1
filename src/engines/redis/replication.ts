import type { RedisConnection, Step } from './connection'
import { RedisReplicationError } from './errors'

/**
 * `WAIT` steps that hold a write until `replicas` replicas have it, one per node the keys live on (one
 * on a single master); none without `replicas`. Each follows the writes on their connection, and fails
 * when fewer replicas than asked acknowledge within `replicaTimeout` ms (a {@link RedisReplicationError}).
 */
export function replicaAcknowledgements(
  connection: RedisConnection,
  replicas: number,
  replicaTimeout: number,
  keys: string[]
): Step[] {
  if (replicas === 0) return []
  const routes = connection.cluster ? keys : keys.slice(0, 1)
  return routes.map((key) => async (send) => {
    const acknowledged = Number(await send(key, ['WAIT', String(replicas), String(replicaTimeout)]))
    if (acknowledged < replicas) throw new RedisReplicationError(acknowledged, replicas, replicaTimeout)
    return acknowledged
  })
}
