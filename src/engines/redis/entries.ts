import { decodeHash, decodeLegacyEntry, encodeHash, type StoredEntry } from './codec'
import { text, type RedisConnection } from './connection'
import { MIGRATE_ENTRY } from './scripts'

/** Whether Redis refused a command for the type of the key it names (a hash command on a string). */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE')
}

/**
 * The entry at `key`: one `HGETALL`. Only an entry still in the layout of release 0.1 (a string) costs
 * a second command, its `GET`.
 */
export async function readEntry(connection: RedisConnection, key: string): Promise<StoredEntry | undefined> {
  try {
    return decodeHash(await connection.send(key, ['HGETALL', key]))
  } catch (error) {
    if (!isWrongType(error)) throw error
    return decodeLegacyEntry(await connection.send(key, ['GET', key]))
  }
}

/**
 * Rewrites the release 0.1 entry at `key` as a hash, keeping its expiry, unless it changed meanwhile.
 * Resolves the entry it found (rewritten or not), or `undefined` when there is none to rewrite.
 */
export async function migrateEntry(connection: RedisConnection, key: string): Promise<StoredEntry | undefined> {
  let value: unknown
  try {
    value = await connection.send(key, ['GET', key])
  } catch (error) {
    // Rewritten by another writer meanwhile: nothing left to do.
    if (isWrongType(error)) return undefined
    throw error
  }
  const entry = decodeLegacyEntry(value)
  if (!entry) return undefined
  await connection.run(MIGRATE_ENTRY, [key], [text(value), ...encodeHash(entry.category, entry.subject)])
  return entry
}
