import type { EngineSubject } from '../../engine'
import type { CappedWrite } from './clusterCap'
import { legacyPrefix, storedCategory, subjectsIn } from './codec'
import { runScript, type RedisConnection } from './connection'
import { SET_CAPPED } from './scripts'

/**
 * `setCapped` on a single master (standalone or Sentinel): one script stores the entry, indexes it and
 * takes the user's least recently used others down to the limit, atomically. Resolves the entry the key
 * held before (to unindex it from another category) and the subjects taken.
 */
export async function setCappedByScript(
  connection: RedisConnection,
  write: CappedWrite
): Promise<{ previous: unknown; removed: EngineSubject[] }> {
  const args = [
    write.token,
    write.lastUse,
    String(write.expiresAt),
    write.entryKey(''),
    String(write.limit),
    storedCategory(write.category),
    legacyPrefix(write.category),
    ...write.fields
  ]
  const [reply] = await connection.together([
    (send) => runScript(send, SET_CAPPED, [write.index, write.key], args),
    ...write.acknowledged
  ])
  const [previous, ...removed] = reply as unknown[]
  return { previous, removed: subjectsIn(removed) }
}
