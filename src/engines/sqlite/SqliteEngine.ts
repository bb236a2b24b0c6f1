import BetterSqlite3, { type Database } from 'better-sqlite3'
import type { EngineSubject, SessionEngine } from '../../engine'
import { fromColumn, patched, rowValues, subjectOf, toColumn, versionOf, type RowValues } from './codec'
import { guarded, SqliteEngineError } from './errors'
import { settingsFrom, type SqliteEngineOptions, type SqliteSettings } from './options'
import { ensureTable } from './schema'
import { prepareStatements, quoteIdentifier, type Statements } from './statements'
import { Sweeper } from './sweep'

export { SqliteEngineError } from './errors'
export type { SqliteEngineOptions } from './options'

/** An open database with the engine's statements prepared on it. */
interface Connection {
  readonly database: Database
  readonly statements: Statements
  readonly setCapped: (token: string, category: string, row: RowValues, keep: number) => string[]
  readonly patch: (token: string, fields: EngineSubject, expectedVersion: number | undefined) => boolean
}

/**
 * The SQLite engine: sessions in one table of a database file, shared by every process on the machine
 * and kept across restarts, with no server to run.
 *
 * Every method is synchronous (better-sqlite3), so the middleware calls `next()` in the same tick:
 * reading a session is one primary-key `SELECT` of a prepared statement that returns only a live row.
 * Every write is one statement, or one IMMEDIATE transaction where it must read first (the cap, a
 * patch). The file is in WAL mode with `synchronous = NORMAL`: a commit that returned survives the
 * process being killed at any point; a power loss or OS crash may lose the last commits before the
 * WAL was synced. Expired rows are removed in bounded batches by a background sweep.
 */
export class SqliteEngine implements SessionEngine {
  /** The table, quoted, as SQL. */
  readonly tableName: string

  private readonly settings: SqliteSettings
  private readonly sweeper: Sweeper
  private connection: Connection | undefined

  constructor(options: SqliteEngineOptions) {
    this.settings = settingsFrom(options)
    this.tableName = quoteIdentifier(this.settings.table)
    this.sweeper = new Sweeper(
      () => this.open().statements.sweep,
      this.settings.sweepInterval,
      this.settings.sweepBatchSize
    )
  }

  /** The database statements go to: the one passed in, or the one the engine opened (opened on first use). */
  get database(): Database {
    return this.open().database
  }

  /**
   * Opens the file (WAL mode, the busy timeout), creates the table and its indexes when missing,
   * refuses a table of another layout, and starts the sweep. Idempotent; a failed call is tried
   * again by the next one.
   */
  prepare(): void {
    this.open()
    this.sweeper.start()
  }

  /** Stops the sweep, and closes the database if the engine opened it; one passed in is left open. */
  release(): void {
    this.sweeper.stop()
    const connection = this.connection
    this.connection = undefined
    if (connection && this.settings.database === undefined && connection.database.open) connection.database.close()
  }

  get(token: string): EngineSubject | undefined {
    const data = guarded('read the session', () => this.open().statements.get.get(toColumn(token), Date.now()))
    return data === undefined ? undefined : subjectOf(data)
  }

  set(token: string, category: string, subject: EngineSubject): void {
    const row = rowValues(subject)
    guarded('store the session', () => {
      const { statements } = this.open()
      const key = toColumn(token)
      if (row.expiresAt !== null && row.expiresAt <= Date.now()) statements.delete.run(key)
      else statements.set.run(key, toColumn(category), row.data, row.expiresAt, row.lastAccessed, row.firstAccessed)
    })
  }

  update(token: string, category: string, subject: EngineSubject): boolean {
    const row = rowValues(subject)
    return guarded('update the session', () => {
      const { update } = this.open().statements
      const values = [toColumn(category), row.data, row.expiresAt, row.lastAccessed, row.firstAccessed] as const
      return update.run(...values, toColumn(token), Date.now()).changes === 1
    })
  }

  /**
   * Changes only the given top-level `fields` of the live entry under `token`, leaving every other
   * field as stored (a field given as `undefined` is removed); with `expectedVersion`, only when the
   * stored `version` (absent counts as 0) equals it. Returns whether it applied; never creates or
   * revives an entry. The read and the write are one IMMEDIATE transaction, so no other process's
   * write falls between them.
   */
  patch(token: string, _category: string, fields: EngineSubject, expectedVersion?: number): boolean {
    return guarded('update the session', () => this.open().patch(toColumn(token), fields, expectedVersion))
  }

  /**
   * Stores a new entry, then removes the least recently used other live entries of `category` until at
   * most `limit` remain, and the category's expired ones, in one IMMEDIATE transaction; returns the
   * live subjects it removed.
   */
  setCapped(token: string, category: string, subject: EngineSubject, limit: number): EngineSubject[] {
    const row = rowValues(subject)
    if ((row.expiresAt !== null && row.expiresAt <= Date.now()) || limit === Infinity) {
      this.set(token, category, subject)
      return []
    }
    const keep = Math.max(1, Math.floor(limit)) - 1
    return guarded('store the session', () =>
      this.open().setCapped(toColumn(token), toColumn(category), row, keep)
    ).map(subjectOf)
  }

  getAll(category: string): Record<string, EngineSubject> {
    const rows = guarded('list the sessions', () => this.open().statements.list.all(toColumn(category), Date.now()))
    // fromEntries defines own properties: a key such as "__proto__" stays data.
    return Object.fromEntries(rows.map((row) => [fromColumn(row.token), subjectOf(row.data)]))
  }

  delete(token: string): void {
    guarded('delete the session', () => this.open().statements.delete.run(toColumn(token)))
  }

  deleteAll(category: string, keepToken?: string): void {
    guarded('delete the sessions', () => {
      const { statements } = this.open()
      if (keepToken === undefined) statements.deleteCategory.run(toColumn(category))
      else statements.deleteCategoryExcept.run(toColumn(category), toColumn(keepToken))
    })
  }

  /** Removes every row whose category starts with `prefix`, in one statement. */
  deleteByCategoryPrefix(prefix: string): void {
    guarded('delete the sessions', () => {
      const stored = toColumn(prefix)
      this.open().statements.deleteCategoryPrefix.run(stored, stored)
    })
  }

  /** Removes every row of the table. */
  clear(): void {
    guarded('clear the sessions', () => this.open().statements.clear.run())
  }

  /** Removes every expired row now, in bounded batches (the timer removes a few batches per tick); returns how many. */
  sweep(now: number = Date.now()): number {
    return guarded('sweep expired sessions', () => this.sweeper.sweep(Infinity, now))
  }

  /** Whether the background sweep runs. */
  get sweeping(): boolean {
    return this.sweeper.running
  }

  private open(): Connection {
    if (this.connection) return this.connection
    const { database: given, filename, busyTimeout, table } = this.settings
    const database = guarded(
      'open the database',
      () => given ?? new BetterSqlite3(filename!, { timeout: busyTimeout }),
      'SQLITE_CANTOPEN'
    )
    try {
      guarded('open the database', () => {
        if (!database.open) throw new SqliteEngineError('the database passed in is closed', 'SQLITE_MISUSE')
        database.pragma(`busy_timeout = ${busyTimeout}`)
        if (!database.readonly && !database.memory) {
          // WAL: readers never wait for the writer, and a commit is one append to the log.
          database.pragma('journal_mode = WAL')
          database.pragma('synchronous = NORMAL')
        }
        ensureTable(database, table)
      })
      this.connection = guarded('prepare the statements', () => connect(database, table))
    } catch (error) {
      if (given === undefined) database.close()
      throw error
    }
    return this.connection
  }
}

function connect(database: Database, table: string): Connection {
  const statements = prepareStatements(database, table)
  const capped = database.transaction((token: string, category: string, row: RowValues, keep: number) => {
    statements.set.run(token, category, row.data, row.expiresAt, row.lastAccessed, row.firstAccessed)
    statements.deleteExpiredOfCategory.run(category, Date.now())
    return statements.deleteLeastRecentlyUsed.all(category, token, keep)
  })
  const patch = database.transaction(
    (token: string, fields: EngineSubject, expectedVersion: number | undefined): boolean => {
      const data = statements.get.get(token, Date.now())
      if (data === undefined) return false
      const stored = subjectOf(data)
      if (expectedVersion !== undefined && versionOf(stored) !== expectedVersion) return false
      const row = rowValues(patched(stored, fields))
      statements.rewrite.run(row.data, row.expiresAt, row.lastAccessed, row.firstAccessed, token)
      return true
    }
  )
  return {
    database,
    statements,
    setCapped: (token, category, row, keep) => capped.immediate(token, category, row, keep),
    patch: (token, fields, expectedVersion) => patch.immediate(token, fields, expectedVersion)
  }
}
