import type { Database } from 'better-sqlite3'
import { invalidOption, rejectUnknownOptions, type MigrationHints } from '../../engine'

/** Options of `SqliteEngine`: a file to open, or an open database the app owns. */
export interface SqliteEngineOptions {
  /** Path of the database file (created when missing), or `':memory:'` for a private in-memory database. */
  filename?: string
  /** An open better-sqlite3 `Database` to use instead of a file; the app owns it, `release()` leaves it open. */
  database?: Database
  /** Name of the table. @default 'session_registry' */
  table?: string
  /**
   * Milliseconds a statement waits for another connection's lock before it fails with `SQLITE_BUSY`. The
   * wait blocks the event loop (better-sqlite3 is synchronous), so keep it short. @default 1_000
   */
  busyTimeout?: number
  /** Milliseconds between two sweeps of expired rows; `0` turns the sweep off. @default 60_000 */
  sweepInterval?: number
  /** Most rows one sweep statement removes. @default 1_000 */
  sweepBatchSize?: number
}

/** The options once validated, defaults applied. */
export interface SqliteSettings {
  readonly filename: string | undefined
  readonly database: Database | undefined
  readonly table: string
  readonly busyTimeout: number
  readonly sweepInterval: number
  readonly sweepBatchSize: number
}

const DEFAULT_TABLE = 'session_registry'
const DEFAULT_BUSY_TIMEOUT_MS = 1_000
const DEFAULT_SWEEP_INTERVAL_MS = 60_000
const DEFAULT_SWEEP_BATCH_SIZE = 1_000
// Letters, digits and underscores; "sqlite_" names are SQLite's own.
const IDENTIFIER = /^(?!sqlite_)[A-Za-z_][A-Za-z0-9_]{0,62}$/i
// Typed against the options interface, so an option added there and not here fails to compile.
const OPTIONS: Record<keyof SqliteEngineOptions, true> = {
  filename: true,
  database: true,
  table: true,
  busyTimeout: true,
  sweepInterval: true,
  sweepBatchSize: true
}
const OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(OPTIONS))

/** The options of express-session's SQLite stores (connect-sqlite3, better-sqlite3-session-store), each with what to use here. */
const SQLITE_STORE_HINTS: MigrationHints = {
  db: 'use "filename" (a path to the file)',
  dir: 'put the directory in "filename"',
  createDirIfNotExists: 'not supported: create the directory before the engine opens the file',
  concurrentDB: 'not needed: the file is always in WAL mode',
  client: 'use "database" (an open better-sqlite3 Database)',
  expired: 'use "sweepInterval" (milliseconds; 0 turns the sweep off)'
}

/** Checks every option of `SqliteEngine`, naming the first wrong one, and applies the defaults. */
export function settingsFrom(options: SqliteEngineOptions | undefined): SqliteSettings {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('options', options, 'an object with "filename" or "database"')
  }
  rejectUnknownOptions('SqliteEngine', options, OPTION_NAMES, SQLITE_STORE_HINTS)
  const {
    filename,
    database,
    table = DEFAULT_TABLE,
    busyTimeout = DEFAULT_BUSY_TIMEOUT_MS,
    sweepInterval = DEFAULT_SWEEP_INTERVAL_MS,
    sweepBatchSize = DEFAULT_SWEEP_BATCH_SIZE
  } = options
  if (filename !== undefined && !(typeof filename === 'string' && filename !== '')) {
    throw invalidOption('filename', filename, "a file path, or ':memory:'")
  }
  if (database !== undefined && !isDatabase(database)) {
    throw invalidOption('database', database, 'an open better-sqlite3 Database')
  }
  if ((filename === undefined) === (database === undefined)) {
    throw invalidOption('filename', filename, 'given, or "database" instead (exactly one of the two)')
  }
  if (!(typeof table === 'string' && IDENTIFIER.test(table))) {
    throw invalidOption('table', table, 'an SQL identifier (letters, digits and _, at most 63 characters)')
  }
  if (!(Number.isSafeInteger(busyTimeout) && busyTimeout >= 0)) {
    throw invalidOption('busyTimeout', busyTimeout, 'a whole number of milliseconds, 0 or more')
  }
  if (!(typeof sweepInterval === 'number' && sweepInterval >= 0 && !Number.isNaN(sweepInterval))) {
    throw invalidOption('sweepInterval', sweepInterval, 'a number of milliseconds (0 turns the sweep off)')
  }
  if (!(Number.isSafeInteger(sweepBatchSize) && sweepBatchSize > 0)) {
    throw invalidOption('sweepBatchSize', sweepBatchSize, 'a positive integer')
  }
  return { filename, database, table, busyTimeout, sweepInterval, sweepBatchSize }
}

function isDatabase(value: unknown): value is Database {
  const candidate = value as Partial<Database> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.prepare === 'function' &&
    typeof candidate.transaction === 'function' &&
    typeof candidate.pragma === 'function'
  )
}
