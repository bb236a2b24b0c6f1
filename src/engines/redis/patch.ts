import type { EngineSubject } from '../../engine'
import { encodeFields, lastUseOf, storedCategory } from './codec'
import type { RedisConnection } from './connection'
import { migrateEntry } from './entries'
import { PATCH_ENTRY, RESCORE } from './scripts'

/** One `patch` of {@link RedisEngine}: which entry, which fields, and the keys they live under. */
export interface EntryPatch {
  token: string
  category: string
  fields: EngineSubject
  expectedVersion: number | undefined
  /** The entry's new expiry (ms) when `fields` has `expiresAt`. */
  expiresAt: number | undefined
  key: string
  index: string
  /** The index key of any category (a release 0.1 entry's own, to re-score it when rewritten). */
  indexOf: (category: string) => string
}

/**
 * Changes only the given fields of the entry, in one script on the entry's key that also checks its
 * category and version; the member is re-scored in the same script on a single node, and right after
 * it on a cluster (where it lies in another slot), with `XX` either way, so nothing gone comes back. A
 * release 0.1 entry is rewritten in the hash layout first. Resolves whether the patch applied.
 */
export async function patchEntry(connection: RedisConnection, patch: EntryPatch, now: number): Promise<boolean> {
  const { token, key, index, fields } = patch
  const expiresAt = patch.expiresAt === undefined ? '' : String(patch.expiresAt)
  const lastUse = Object.hasOwn(fields, 'lastAccessed') ? lastUseOf(fields) : ''
  const { set, unset } = encodeFields(fields)
  const version = patch.expectedVersion === undefined ? '' : String(patch.expectedVersion)
  const args = [
    token,
    storedCategory(patch.category),
    version,
    expiresAt,
    lastUse,
    String(set.length / 2),
    ...set,
    ...unset
  ]
  const keys = connection.cluster ? [key] : [key, index]
  let applied = Number(await connection.run(PATCH_ENTRY, keys, args))
  if (applied === -1 && (await migrate(connection, patch)))
    applied = Number(await connection.run(PATCH_ENTRY, keys, args))
  if (applied !== 1) return false
  if (connection.cluster && (lastUse !== '' || expiresAt !== '')) {
    await connection.run(RESCORE, [index], [token, lastUse, expiresAt])
  }
  // A patch that moved the expiry into the past ended the entry (PEXPIREAT): its member goes too.
  if (patch.expiresAt !== undefined && patch.expiresAt <= now) await connection.send(index, ['ZREM', index, token])
  return true
}

/**
 * Rewrites a release 0.1 entry in the hash layout, and re-scores its member by last use (that layout
 * scored it by expiry). Resolves whether there was such an entry.
 */
async function migrate(connection: RedisConnection, patch: EntryPatch): Promise<boolean> {
  const entry = await migrateEntry(connection, patch.key)
  if (!entry) return false
  await connection.run(RESCORE, [patch.indexOf(entry.category)], [patch.token, lastUseOf(entry.subject), ''])
  return true
}
