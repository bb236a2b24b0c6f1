import type { Database, Statement } from 'better-sqlite3'

/** A double-quoted SQL identifier (names are validated before they get here; quoting keeps their case). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** A row's token and its subject as stored JSON. */
export interface TokenRow {
  token: string
  data: string
}

/** Every statement the engine runs, prepared once per connection. Times are milliseconds, passed in. */
export interface Statements {
  /** `(token, now)` → the live entry's JSON, plucked. */
  readonly get: Statement<[string, number], string>
  /** `(token, category, data, expiresAt, lastAccessed, firstAccessed)`: inserts or replaces. */
  readonly set: Statement<[string, string, string, number | null, number | null, number | null]>
  /** `(category, data, expiresAt, lastAccessed, firstAccessed, token, now)`: rewrites a live entry only. */
  readonly update: Statement<[string, string, number | null, number | null, number | null, string, number]>
  /** `(data, expiresAt, lastAccessed, firstAccessed, token)`: rewrites one entry's subject, inside a transaction. */
  readonly rewrite: Statement<[string, number | null, number | null, number | null, string]>
  /** `(category, now)` → the category's live rows. */
  readonly list: Statement<[string, number], TokenRow>
  /** `(token)` */
  readonly delete: Statement<[string]>
  /** `(category)` */
  readonly deleteCategory: Statement<[string]>
  /** `(category, keepToken)` */
  readonly deleteCategoryExcept: Statement<[string, string]>
  /** `(prefix, prefix)`: every row whose category starts with it, compared case-sensitively. */
  readonly deleteCategoryPrefix: Statement<[string, string]>
  /** `(category, now)`: the category's expired rows, inside the cap's transaction. */
  readonly deleteExpiredOfCategory: Statement<[string, number]>
  /** `(category, newToken, keep)` → the JSON of the rows past the `keep` most recently used others. */
  readonly deleteLeastRecentlyUsed: Statement<[string, string, number], string>
  /** `(now, batchSize)`: one bounded batch of expired rows. */
  readonly sweep: Statement<[number, number]>
  /** Every row. */
  readonly clear: Statement<[]>
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)'
const EXPIRED = '(expires_at IS NOT NULL AND expires_at <= ?)'

/**
 * Prepares the statements for `table` on `database`. Values always travel as parameters; only the
 * table name, validated and quoted, is part of the text.
 */
export function prepareStatements(database: Database, table: string): Statements {
  const t = quoteIdentifier(table)
  const prepare = <P extends unknown[], R = unknown>(sql: string) => database.prepare<P, R>(sql)
  return {
    get: prepare<[string, number], string>(`SELECT data FROM ${t} WHERE token = ? AND ${LIVE}`).pluck(),
    set: prepare(
      `INSERT INTO ${t} (token, category, data, expires_at, last_accessed, first_accessed) VALUES (?, ?, ?, ?, ?, ?) ` +
        'ON CONFLICT (token) DO UPDATE SET category = excluded.category, data = excluded.data, ' +
        'expires_at = excluded.expires_at, last_accessed = excluded.last_accessed, first_accessed = excluded.first_accessed'
    ),
    // The liveness test and the write are one statement: a row deleted or expired meanwhile stays gone.
    update: prepare(
      `UPDATE ${t} SET category = ?, data = ?, expires_at = ?, last_accessed = ?, first_accessed = ? ` +
        `WHERE token = ? AND ${LIVE}`
    ),
    rewrite: prepare(`UPDATE ${t} SET data = ?, expires_at = ?, last_accessed = ?, first_accessed = ? WHERE token = ?`),
    list: prepare<[string, number], TokenRow>(`SELECT token, data FROM ${t} WHERE category = ? AND ${LIVE}`),
    delete: prepare(`DELETE FROM ${t} WHERE token = ?`),
    deleteCategory: prepare(`DELETE FROM ${t} WHERE category = ?`),
    deleteCategoryExcept: prepare(`DELETE FROM ${t} WHERE category = ? AND token <> ?`),
    // Not LIKE, which SQLite compares without case: a registry's tag must match exactly.
    deleteCategoryPrefix: prepare(`DELETE FROM ${t} WHERE substr(category, 1, length(?)) = ?`),
    deleteExpiredOfCategory: prepare(`DELETE FROM ${t} WHERE category = ? AND ${EXPIRED}`),
    // The contract's order: least recently used first (NULL sorts lowest), ties by the earliest log in.
    // The `keep` most recent others stay; the rest go, and their JSON comes back.
    deleteLeastRecentlyUsed: prepare<[string, string, number], string>(
      `DELETE FROM ${t} WHERE token IN (SELECT token FROM ${t} WHERE category = ? AND token <> ? ` +
        'ORDER BY last_accessed DESC, first_accessed DESC, token DESC LIMIT -1 OFFSET ?) RETURNING data'
    ).pluck(),
    sweep: prepare(
      `DELETE FROM ${t} WHERE token IN (SELECT token FROM ${t} WHERE ${EXPIRED} ORDER BY expires_at LIMIT ?)`
    ),
    clear: prepare(`DELETE FROM ${t}`)
  }
}
