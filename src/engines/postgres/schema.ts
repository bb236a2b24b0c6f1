import type { PostgresConnection } from './connection'
import { PostgresTableError } from './errors'
import { qualifiedName, quoteIdentifier, type Statement, type TableName } from './statements'

/**
 * The engine's columns and their types, as `format_type` names them: what `prepare()` creates, and
 * what it requires of a table that exists.
 */
export const LAYOUT: ReadonlyArray<readonly [column: string, type: string]> = [
  ['expires_at', 'timestamp with time zone'],
  ['last_accessed', 'timestamp with time zone'],
  ['first_accessed', 'timestamp with time zone'],
  ['token', 'text'],
  ['category', 'text'],
  ['fields', 'jsonb']
]

/**
 * The table and its indexes, as `prepare()` creates them. Fixed-width columns come first so that no row pays alignment
 * padding; `COLLATE "C"` compares keys byte by byte, cheaper than a locale and the same everywhere.
 */
export function createTableSql(table: TableName): string[] {
  const t = qualifiedName(table)
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (` +
      'expires_at timestamptz, last_accessed timestamptz, first_accessed timestamptz, ' +
      'token text COLLATE "C" PRIMARY KEY, category text COLLATE "C" NOT NULL, fields jsonb NOT NULL)',
    // A hash index: listings only ever ask for one category, and it holds no key, only its hash, so a
    // user id of any length fits (a B-tree entry must stay under a third of a page).
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table.table}_category`)} ON ${t} USING hash (category)`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table.table}_expires_at`)} ON ${t} (expires_at)`
  ]
}

interface ColumnRow {
  column: string
  type: string
  key: boolean
}

// Every column of the relation, and whether it alone is the primary key (what ON CONFLICT (token) needs).
const COLUMNS: Statement = {
  name: 'esr_table_columns',
  text:
    'SELECT attname AS column, format_type(atttypid, atttypmod) AS type, ' +
    'EXISTS (SELECT 1 FROM pg_index WHERE indrelid = attrelid AND indisprimary AND indnatts = 1 AND indkey[0] = attnum) AS key ' +
    'FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum'
}
const LOCK: Statement = { name: 'esr_schema_lock', text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))' }

/**
 * Makes sure the table exists and is the engine's own. An existing table costs one catalog lookup and
 * needs no privilege beyond using it; a missing one is created under an advisory lock, because
 * `CREATE TABLE IF NOT EXISTS` run by several processes at once can still fail on the catalog's unique
 * index. A table of another layout (an app's own table, or one of the layout before `fields`) is
 * refused, never written: `clear()` on it would empty it.
 */
export async function ensureTable(connection: PostgresConnection, table: TableName, create: boolean): Promise<void> {
  const name = qualifiedName(table)
  const columns = async () => (await connection.run<ColumnRow>(COLUMNS, [name])).rows
  let found = await columns()
  if (found.length === 0) {
    if (!create) {
      throw new PostgresTableError(
        `the table ${name} does not exist: create it (see docs/postgres.md), or leave createTable on`,
        name
      )
    }
    await connection.transaction(async (run) => {
      await run(LOCK, [`express-session-registry:${name}`])
      for (const text of createTableSql(table)) await run({ name: '', text }, [])
    })
    found = await columns()
  }
  checkLayout(name, found)
}

function checkLayout(name: string, found: ColumnRow[]): void {
  const described = found.map((row) => `${row.column} ${row.type}`)
  const expected = LAYOUT.map(([column, type]) => `${column} ${type}`)
  const sameColumns = described.length === expected.length && expected.every((column) => described.includes(column))
  const tokenIsKey = found.some((row) => row.column === 'token' && row.key)
  if (sameColumns && tokenIsKey) return
  const previous = described.includes('data json') && !described.some((column) => column.startsWith('fields '))
  const hint = previous
    ? 'it has the layout of an earlier version (a "data json" column): upgrade it as docs/postgres.md says, or use another table'
    : 'it is not a session table of this engine: choose another "table" (or "schema")'
  throw new PostgresTableError(
    `the table ${name} does not have the session engine's layout, so it is left untouched: ${hint}. ` +
      `Found: ${described.join(', ')}${tokenIsKey ? '' : ' (token is not the primary key)'}. ` +
      `Expected: ${expected.join(', ')}, token the primary key`,
    name
  )
}
