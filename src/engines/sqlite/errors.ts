import { SessionError } from '../../engine'

/**
 * A SQLite operation failed: the database is read-only, full, locked past the busy timeout, or
 * corrupt. `code` is always `ESR_SQLITE`; SQLite's own result code is `sqliteCode` (`SQLITE_READONLY`,
 * `SQLITE_FULL`, `SQLITE_BUSY`, ...), or `SQLITE_FOREIGN_TABLE` when the table is not the engine's own.
 * The original error is its `cause`. The core wraps it in a `SessionEngineError` (status 503).
 */
export class SqliteEngineError extends SessionError {
  override name = 'SqliteEngineError'
  declare readonly code: 'ESR_SQLITE'
  /** SQLite's result code, e.g. `SQLITE_BUSY`: finer than `code`, and named by SQLite, not by this library. */
  readonly sqliteCode: string

  constructor(message: string, sqliteCode: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'ESR_SQLITE' })
    this.sqliteCode = sqliteCode
  }
}

/** The code better-sqlite3 attaches to its errors, or `SQLITE_ERROR` for anything else. */
function codeOf(error: unknown, fallback: string): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : fallback
}

/** `error` as a {@link SqliteEngineError}, saying what the engine was doing; `fallback` when it has no code. */
export function sqliteFailure(operation: string, error: unknown, fallback = 'SQLITE_ERROR'): SqliteEngineError {
  if (error instanceof SqliteEngineError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new SqliteEngineError(`SQLite failed to ${operation}: ${detail}`, codeOf(error, fallback), { cause: error })
}

/** Runs `work`, turning any failure into a {@link SqliteEngineError}. */
export function guarded<T>(operation: string, work: () => T, fallbackCode?: string): T {
  try {
    return work()
  } catch (error) {
    throw sqliteFailure(operation, error, fallbackCode)
  }
}
