import { SessionError } from '../../engine'

/**
 * `PostgresEngine#prepare()` refused its table: missing with `createTable: false`, or not the engine's
 * own layout (an app's table, or one of an earlier version), which is left untouched. Through `session()`
 * it is the `cause` of a `SessionEngineError` (status 503).
 */
export class PostgresTableError extends SessionError {
  override name = 'PostgresTableError'
  declare readonly code: 'ESR_POSTGRES_TABLE'
  /** The table's qualified name, as quoted in SQL. */
  readonly table: string

  constructor(message: string, table: string) {
    super(message, { code: 'ESR_POSTGRES_TABLE' })
    this.table = table
  }
}

/**
 * PostgreSQL gave no answer within the `statementTimeout` option. Through `session()` it is the `cause`
 * of a `SessionEngineError` (status 503).
 */
export class PostgresTimeoutError extends SessionError {
  override name = 'PostgresTimeoutError'
  declare readonly code: 'ESR_POSTGRES_TIMEOUT'
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(`PostgreSQL did not answer within ${timeoutMs} ms`, { code: 'ESR_POSTGRES_TIMEOUT' })
    this.timeoutMs = timeoutMs
  }
}
