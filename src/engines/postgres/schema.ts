import type { PostgresConnection } from './connection'
import { qualifiedName, quoteIdentifier, type Statement, type TableName } from './statements'

/**
 * The table and its indexes, as `prepare()` creates them. Fixed-width columns come first so that no row pays alignment
 * padding; `COLLATE "C"` compares keys byte by byte, cheaper than a locale and the same everywhere.
 */
export function createTableSql(table: TableName): string[] {
  const t = qualifiedName(table)
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (` +
      'expires_at timestamptz, last_accessed timestamptz, first_accessed timestamptz, ' +
      'token text COLLATE "C" PRIMARY KEY, category text COLLATE "C" NOT NULL, data json NOT NULL)',
    // A hash index: listings only ever ask for one category, and it holds no key, only its hash, so a
    // user id of any length fits (a B-tree entry must stay under a third of a page).
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table.table}_category`)} ON ${t} USING hash (category)`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table.table}_expires_at`)} ON ${t} (expires_at)`
  ]
}

const TABLE_EXISTS: Statement = { name: 'esr_table_exists', text: 'SELECT to_regclass($1) IS NOT NULL AS present' }
const LOCK: Statement = { name: 'esr_schema_lock', text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))' }

/**
 * Makes sure the table exists. An existing table costs one lookup and needs no privilege beyond using
 * it; a missing one is created under an advisory lock, because `CREATE TABLE IF NOT EXISTS` run by
 * several processes at once can still fail on the catalog's unique index.
 */
export async function ensureTable(connection: PostgresConnection, table: TableName, create: boolean): Promise<void> {
  const name = qualifiedName(table)
  const exists = async () =>
    (await connection.run<{ present: boolean }>(TABLE_EXISTS, [name])).rows[0]?.present === true
  if (await exists()) return
  if (!create) {
    throw new Error(`the table ${name} does not exist: create it (see the README), or leave createTable on`)
  }
  await connection.transaction(async (run) => {
    await run(LOCK, [`express-session-registry:${name}`])
    for (const text of createTableSql(table)) await run({ name: '', text }, [])
  })
}
