import type { EngineSubject } from '../../engine'
import { decodeEntry, subjectsIn } from './codec'
import { runScript, text, type RedisConnection, type Step } from './connection'
import { INDEX } from './scripts'

/** What {@link setCappedOnCluster} writes. */
export interface CappedWrite {
  token: string
  key: string
  index: string
  value: string
  expiresAt: number
  now: number
  limit: number
  entryKey: (token: string) => string
  acknowledged: Step[]
}

/**
 * `setCapped` on Redis Cluster, where a user's entries lie in other slots than their index, so no
 * one script can weigh and remove them. Under the limit it costs what `set` costs: the entry, then
 * its member, whose script answers how many the index lists. Over it, four more round trips whatever
 * the count: read the index, read its entries (pipelined per master), `GETDEL` the least recently
 * used, drop their members. Each key changes atomically, the whole does not: two log ins of one user
 * at the same instant may both remove the same oldest session (one fewer than the limit remains) or
 * each keep one too many until the next log in.
 */
export async function setCappedOnCluster(
  connection: RedisConnection,
  write: CappedWrite
): Promise<{ previous: unknown; removed: EngineSubject[] }> {
  const { token, key, index, expiresAt, now } = write
  const [previous, count] = await connection.together([
    (send) => send(key, ['SET', key, write.value, 'PXAT', String(expiresAt), 'GET']),
    (send) => runScript(send, INDEX, [index], [token, String(expiresAt), String(now)]),
    ...write.acknowledged
  ])
  if (Number(count) <= write.limit) return { previous, removed: [] }

  const others = ((await connection.send(index, ['ZRANGE', index, '0', '-1'])) as unknown[])
    .map(text)
    .filter((other) => other !== token)
  const entries = await Promise.all(
    others.map((other) => connection.send(write.entryKey(other), ['GET', write.entryKey(other)]))
  )
  const category = decodeEntry(write.value)?.category
  const live: { token: string; used: number; first: number }[] = []
  const dead: string[] = []
  others.forEach((other, position) => {
    const entry = decodeEntry(entries[position])
    if (!entry || entry.category !== category) dead.push(other)
    else
      live.push({
        token: other,
        used: numberOr0(entry.subject.lastAccessed),
        first: numberOr0(entry.subject.firstAccessed)
      })
  })
  live.sort((a, b) => a.used - b.used || a.first - b.first)
  const victims = live.slice(0, Math.max(0, live.length + 1 - write.limit)).map((victim) => victim.token)
  const taken = await Promise.all(
    victims.map((victim) => connection.send(write.entryKey(victim), ['GETDEL', write.entryKey(victim)]))
  )
  const dropped = [...dead, ...victims]
  if (dropped.length > 0) await connection.send(index, ['ZREM', index, ...dropped])
  return { previous, removed: subjectsIn(taken) }
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0
}
