import type { EngineSubject } from '../../engine'
import { CATEGORY_FIELD, decodeCategory, decodeLegacyEntry, subjectsIn } from './codec'
import { runScript, text, type RedisConnection, type Step } from './connection'
import { isWrongType } from './entries'
import { INDEX, SET_ENTRY, TAKE_UNUSED } from './scripts'

/** What {@link setCappedOnCluster} writes. */
export interface CappedWrite {
  token: string
  key: string
  index: string
  /** The entry's hash field/value pairs. */
  fields: string[]
  category: string
  /** The entry's last use (ms), its index score unless members listed lie above it. */
  lastUse: string
  /** The entry's `firstAccessed` (ms), for ties in the order of use. */
  firstAccessed: number
  expiresAt: number
  limit: number
  entryKey: (token: string) => string
  acknowledged: Step[]
}

/** A member of the index, as the cap weighs it. */
interface Member {
  token: string
  used: number
  first: number
}

/**
 * `setCapped` on Redis Cluster, where a user's entries lie in other slots than their index, so no one
 * script can weigh and remove them. Under the limit it costs what `set` costs: the entry, then its
 * member, whose script answers how many the index lists. Over it, four more round trips whatever the
 * count: read the index with its scores (last use), read each other entry's category and
 * `firstAccessed` (pipelined per master), take the least recently used (one script per entry: read and
 * delete), drop their members.
 *
 * Each key changes atomically, the whole does not, so concurrent log ins of one user read the index at
 * different moments. They still agree on who goes: the member's script scores a new log in above every
 * member listed (its own last use, or 1/1024 ms above the highest), so the order of the index is the
 * order of arrival and each log in ranks itself among the others instead of above them. Each removes
 * only what lies below the `limit` newest members it read, never itself: the `limit` newest of all are
 * never removed, and the last log in past the cap sees every member and removes any other surplus.
 * After a burst of log ins exactly `limit` remain, the newest among them. A session used during the
 * burst may be spared by a log in that ranked it by its score before that use (taking it could leave
 * fewer than the limit): then one more per such session remains, until the next log in.
 */
export async function setCappedOnCluster(
  connection: RedisConnection,
  write: CappedWrite
): Promise<{ previous: unknown; removed: EngineSubject[] }> {
  const { token, key, index, expiresAt } = write
  const [previous, count] = await connection.together([
    (send) => runScript(send, SET_ENTRY, [key], [String(expiresAt), ...write.fields]),
    (send) => runScript(send, INDEX, [index], [token, write.lastUse, String(expiresAt), '', 'newest']),
    ...write.acknowledged
  ])
  if (Number(count) <= write.limit) return { previous, removed: [] }

  const scored = scoredMembers(await connection.send(index, ['ZRANGE', index, '0', '-1', 'WITHSCORES']))
  const others = scored.filter(([other]) => other !== token)
  const owners = await Promise.all(others.map(([other]) => ownerOf(connection, write.entryKey(other))))
  // The new entry counts as live without a read: were it taken meanwhile, that log in had read at least
  // `limit` members above it, which lie above it here too.
  const live: Member[] = scored
    .filter(([other]) => other === token)
    .map(([, used]) => ({ token, used, first: write.firstAccessed }))
  const dead: string[] = []
  others.forEach(([other, used], position) => {
    const owner = owners[position]
    if (owner?.category === write.category) live.push({ token: other, used, first: owner.first })
    else dead.push(other)
  })
  live.sort((a, b) => a.used - b.used || a.first - b.first || (a.token < b.token ? -1 : 1))
  const victims = live.slice(0, Math.max(0, live.length - write.limit)).filter((victim) => victim.token !== token)
  // A victim used since the index was read is spared: ranked by a stale score, taking it could leave
  // fewer than the limit once another log in reads its new one.
  const taken = await Promise.all(
    victims.map((victim) => connection.run(TAKE_UNUSED, [write.entryKey(victim.token)], [String(victim.used)]))
  )
  const spared = (position: number) => typeof taken[position] === 'number'
  const dropped = [...dead, ...victims.filter((_, position) => !spared(position)).map((victim) => victim.token)]
  if (dropped.length > 0) await connection.send(index, ['ZREM', index, ...dropped])
  return { previous, removed: subjectsIn(taken) }
}

/** The category and `firstAccessed` of the entry at `key`, without reading the rest of it. */
async function ownerOf(
  connection: RedisConnection,
  key: string
): Promise<{ category: string; first: number } | undefined> {
  try {
    const [category, first] = (await connection.send(key, ['HMGET', key, CATEGORY_FIELD, 'f'])) as unknown[]
    const decoded = decodeCategory(category)
    return decoded === undefined ? undefined : { category: decoded, first: numberOr0(first) }
  } catch (error) {
    if (!isWrongType(error)) throw error
    const entry = decodeLegacyEntry(await connection.send(key, ['GET', key]))
    return entry && { category: entry.category, first: numberOr0(entry.subject.firstAccessed) }
  }
}

/** `[member, score]` pairs of a `ZRANGE … WITHSCORES` reply: flat (RESP2) or in pairs (RESP3). */
function scoredMembers(reply: unknown): [string, number][] {
  const items = reply as unknown[]
  if (items.length > 0 && Array.isArray(items[0])) {
    return (items as unknown[][]).map(([member, score]) => [text(member), Number(text(score))])
  }
  const pairs: [string, number][] = []
  for (let position = 0; position + 1 < items.length; position += 2) {
    pairs.push([text(items[position]), Number(text(items[position + 1]))])
  }
  return pairs
}

function numberOr0(value: unknown): number {
  if (typeof value === 'number') return value
  if (value === null || value === undefined) return 0
  const parsed = Number(text(value))
  return Number.isFinite(parsed) ? parsed : 0
}
