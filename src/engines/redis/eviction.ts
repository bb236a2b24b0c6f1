import type { RedisConnection } from './connection'
import { text } from './connection'
import { RedisEvictionPolicyError } from './errors'

/** The only `maxmemory-policy` under which Redis never drops a key on its own. */
const SAFE_POLICY = 'noeviction'

/**
 * Refuses a Redis that may evict the engine's keys: every key has a TTL, so `volatile-*` policies evict
 * them as readily as `allkeys-*`, and an evicted index leaves sessions that no listing shows and no
 * "log out everywhere" reaches. A server that refuses `CONFIG GET` (managed services) is taken as it is.
 */
export async function refuseEvictingPolicy(connection: RedisConnection): Promise<void> {
  await connection.onMasters(async (send) => {
    let reply: unknown
    try {
      reply = await send(['CONFIG', 'GET', 'maxmemory-policy'])
    } catch (error) {
      if (error instanceof Error && /^(ERR|NOPERM)\b/.test(error.message)) return
      throw error
    }
    const policy = policyIn(reply)
    if (policy === undefined || policy === SAFE_POLICY) return
    throw new RedisEvictionPolicyError(
      `Redis runs with maxmemory-policy ${policy}: under memory pressure it would evict session keys, and an ` +
        'evicted index hides live sessions from activeSessions() and from logging out everywhere. Set ' +
        `maxmemory-policy ${SAFE_POLICY} on this Redis (or give the sessions a Redis of their own), or pass ` +
        'allowEviction: true to RedisEngine to accept the risk.',
      policy
    )
  })
}

/** The policy in a `CONFIG GET` reply: a flat array (RESP2) or a map (RESP3). */
function policyIn(reply: unknown): string | undefined {
  if (Array.isArray(reply)) return reply.length > 1 ? text(reply[1]) : undefined
  if (reply instanceof Map) return reply.size > 0 ? text([...reply.values()][0]) : undefined
  if (typeof reply === 'object' && reply !== null) {
    const [value] = Object.values(reply)
    return value === undefined ? undefined : text(value)
  }
  return undefined
}
