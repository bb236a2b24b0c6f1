import type { Database } from 'better-sqlite3'

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
const OPTION_NAMES = ['filename', 'database', 'table', 'busyTimeout', 'sweepInterval', 'sweepBatchSize'] as const

/** The `TypeError` for an invalid option, in the library's wording. */
export function invalidOption(name: string, value: unknown, expected: string): TypeError {
  return new TypeError(`express-session-registry: option "${name}" must be ${expected}, got ${describe(value)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'function') return 'a function'
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** Checks every option of `SqliteEngine`, naming the first wrong one, and applies the defaults. */
export function settingsFrom(options: SqliteEngineOptions | undefined): SqliteSettings {
  if (options === null || typeof options !== 'object') {
    throw invalidOption('options', options, 'an object with "filename" or "database"')
  }
  rejectUnknown(options)
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

function rejectUnknown(options: object): void {
  for (const name of Object.keys(options)) {
    if ((OPTION_NAMES as readonly string[]).includes(name)) continue
    const near = OPTION_NAMES.find((known) => distance(known.toLowerCase(), name.toLowerCase()) <= 2)
    const hint = near === undefined ? `it takes ${OPTION_NAMES.join(', ')}` : `did you mean "${near}"?`
    throw new TypeError(`express-session-registry: option "${name}" is not an option of SqliteEngine: ${hint}`)
  }
}

// Levenshtein distance, for the "did you mean" of a misspelt option name.
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
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
