import type { Database } from 'better-sqlite3'
import { SqliteEngineError } from './errors'
import { quoteIdentifier } from './statements'

/** The engine's columns, in order, with the type each is declared with. */
const LAYOUT: ReadonlyArray<readonly [string, string]> = [
  ['token', 'TEXT'],
  ['category', 'TEXT'],
  ['data', 'TEXT'],
  ['expires_at', 'INTEGER'],
  ['last_accessed', 'INTEGER'],
  ['first_accessed', 'INTEGER']
]

/**
 * The table and its indexes. `WITHOUT ROWID` keeps each row in the primary key's B-tree: a read by
 * token is one B-tree descent, and no second copy of the token is stored. The expiry index holds only
 * the rows that expire, for the sweep.
 */
export function createTableSql(table: string): string[] {
  const t = quoteIdentifier(table)
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (token TEXT NOT NULL PRIMARY KEY, category TEXT NOT NULL, data TEXT NOT NULL, ` +
      'expires_at INTEGER, last_accessed INTEGER, first_accessed INTEGER) WITHOUT ROWID',
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_category`)} ON ${t} (category)`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_expires_at`)} ON ${t} (expires_at) WHERE expires_at IS NOT NULL`
  ]
}

interface ColumnInfo {
  name: string
  type: string
}

/**
 * Makes sure the table exists with the engine's own layout. An existing table costs one catalog read
 * and no write (so a read-only database still serves reads); a missing one is created in one
 * IMMEDIATE transaction, so processes starting at once do not race. A table with any other columns is
 * refused, so `table: 'users'` never adopts (nor, through `clear()`, empties) an app's table.
 */
export function ensureTable(database: Database, table: string): void {
  const columnsOf = () =>
    database.prepare<[string], ColumnInfo>('SELECT name, type FROM pragma_table_info(?) ORDER BY cid').all(table)
  let columns = columnsOf()
  if (columns.length === 0) {
    database
      .transaction(() => {
        for (const sql of createTableSql(table)) database.exec(sql)
      })
      .immediate()
    columns = columnsOf()
  }
  const layout = columns.map(({ name, type }) => `${name} ${type.toUpperCase()}`).join(', ')
  const expected = LAYOUT.map(([name, type]) => `${name} ${type}`).join(', ')
  if (layout !== expected) {
    throw new SqliteEngineError(
      `the table ${quoteIdentifier(table)} is not a session table of this engine (columns ${layout}, ` +
        `expected ${expected}): choose another "table"`,
      'SQLITE_FOREIGN_TABLE'
    )
  }
}
