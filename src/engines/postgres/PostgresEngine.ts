import pg, { type Pool, type PoolConfig } from 'pg'
import { type EngineSubject, invalidOption, rejectUnknownOptions, type SessionEngine } from '../../engine'
import { decodeFields, fromColumn, patchValues, rowValues, toColumn } from './codec'
import { PostgresConnection } from './connection'
import { CONNECT_PG_SIMPLE_HINTS, POOL_OPTION_NAMES } from './optionNames'
import { ensureTable } from './schema'
import { qualifiedName, statementsFor, type Statements, type TableName } from './statements'
import { Sweeper } from './sweep'

/** Options of {@link PostgresEngine}: every `pg.Pool` option (`connectionString`, `host`, `max`, ...), plus the ones below. */
export interface PostgresEngineOptions extends PoolConfig {
  /** An app's `pg.Pool` to use instead of creating one; the app owns it (and listens to its `error` events). */
  pool?: Pool
  /** Schema of the table. @default the connection's `search_path` (usually `public`) */
  schema?: string
  /** Name of the table. @default 'session_registry' */
  table?: string
  /** Whether `prepare()` creates the table and its indexes when they are missing. @default true */
  createTable?: boolean
  /**
   * Milliseconds after which a statement PostgreSQL has not answered fails; the server is told the same
   * bound (`statement_timeout` and `lock_timeout`), with an app's `pool` too. `Infinity` waits forever.
   * @default 1_000
   */
  statementTimeout?: number
  /** Milliseconds between two sweeps of expired rows; `Infinity` turns the sweep off. @default 60_000 */
  sweepInterval?: number
  /** Most rows one sweep statement removes. @default 1_000 */
  sweepBatchSize?: number
}

// Typed against the options interface minus pg's, so an option added there and not here fails to compile.
const OWN_OPTIONS: Record<Exclude<keyof PostgresEngineOptions, keyof PoolConfig>, true> = {
  pool: true,
  schema: true,
  table: true,
  createTable: true,
  statementTimeout: true,
  sweepInterval: true,
  sweepBatchSize: true
}
const POSTGRES_ENGINE_OPTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(OWN_OPTIONS), ...POOL_OPTION_NAMES])

interface SessionRow {
  fields: Record<string, string> | string
}

const DEFAULT_TABLE = 'session_registry'
const DEFAULT_STATEMENT_TIMEOUT_MS = 1_000
const DEFAULT_SWEEP_INTERVAL_MS = 60_000
const DEFAULT_SWEEP_BATCH_SIZE = 1_000
// Letters, digits and underscores, short enough that "<table>_expires_at" still fits PostgreSQL's 63 bytes.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/
const IDENTIFIER_EXPECTED = 'an SQL identifier (letters, digits and _, at most 48 characters)'

/**
 * The PostgreSQL engine: sessions in one table of the database the app already has, shared by every
 * app instance.
 *
 * Reading a session is one primary-key `SELECT` that returns only a live row. Every write is one
 * statement (a log in under a cap, one short transaction), every value a parameter of a named
 * statement, and expired rows are removed in bounded batches by a background sweep.
 */
export class PostgresEngine implements SessionEngine {
  /** The pool statements go through: the one passed in, or the one the engine created. */
  readonly pool: Pool
  /** The table, schema-qualified when a schema is set, as SQL. */
  readonly tableName: string

  private readonly connection: PostgresConnection
  private readonly statements: Statements
  private readonly sweeper: Sweeper
  private readonly ownsPool: boolean
  private readonly createTable: boolean
  private readonly table: TableName
  private preparing: Promise<void> | undefined
  private ended = false

  constructor(options?: PostgresEngineOptions) {
    rejectUnknownOptions('PostgresEngine', options ?? {}, POSTGRES_ENGINE_OPTION_NAMES, CONNECT_PG_SIMPLE_HINTS)
    const {
      pool,
      schema,
      table = DEFAULT_TABLE,
      createTable = true,
      statementTimeout = DEFAULT_STATEMENT_TIMEOUT_MS,
      sweepInterval = DEFAULT_SWEEP_INTERVAL_MS,
      sweepBatchSize = DEFAULT_SWEEP_BATCH_SIZE,
      ...poolConfig
    } = options ?? {}
    if (schema !== undefined && !(typeof schema === 'string' && IDENTIFIER.test(schema))) {
      throw invalidOption('schema', schema, IDENTIFIER_EXPECTED)
    }
    if (!(typeof table === 'string' && IDENTIFIER.test(table))) throw invalidOption('table', table, IDENTIFIER_EXPECTED)
    if (typeof createTable !== 'boolean') throw invalidOption('createTable', createTable, 'a boolean')
    if (!(typeof statementTimeout === 'number' && statementTimeout > 0)) {
      throw invalidOption('statementTimeout', statementTimeout, 'a positive number of milliseconds, or Infinity')
    }
    if (!(typeof sweepInterval === 'number' && sweepInterval > 0)) {
      throw invalidOption('sweepInterval', sweepInterval, 'a positive number of milliseconds, or Infinity')
    }
    if (!(Number.isSafeInteger(sweepBatchSize) && sweepBatchSize > 0)) {
      throw invalidOption('sweepBatchSize', sweepBatchSize, 'a positive integer')
    }
    if (pool !== undefined) {
      if (!isPool(pool)) throw invalidOption('pool', pool, 'a pg.Pool')
      const stray = Object.entries(poolConfig).find(([, value]) => value !== undefined)
      if (stray) throw invalidOption(stray[0], stray[1], 'left out when "pool" is given')
    }

    this.table = { schema, table }
    this.tableName = qualifiedName(this.table)
    this.createTable = createTable
    this.ownsPool = pool === undefined
    this.pool = pool ?? ownPool(poolConfig, statementTimeout)
    this.connection = new PostgresConnection(this.pool, statementTimeout, this.ownsPool ? 'connection' : 'transaction')
    this.statements = statementsFor(this.table)
    this.sweeper = new Sweeper(this.connection, this.statements.sweep, sweepInterval, sweepBatchSize)
  }

  /**
   * Creates the table and its indexes if they are missing (unless `createTable: false`, where a missing
   * table fails), refuses a table that is not of the engine's layout (naming it and what it has), then
   * starts the sweep. Concurrent and repeated calls share one preparation; a failed
   * one is tried again by the next call.
   */
  prepare(): Promise<void> {
    this.preparing ??= ensureTable(this.connection, this.table, this.createTable).then(
      () => this.sweeper.start(),
      (error: unknown) => {
        this.preparing = undefined
        throw error
      }
    )
    return this.preparing
  }

  /** Stops the sweep, and closes the pool if the engine created it; a pool passed in is left to the app. */
  async release(): Promise<void> {
    this.sweeper.stop()
    this.preparing = undefined
    if (!this.ownsPool || this.ended) return
    this.ended = true
    await this.pool.end()
  }

  async get(token: string): Promise<EngineSubject | undefined> {
    const { rows } = await this.connection.run<SessionRow>(this.statements.get, [toColumn(token)])
    return rows.length === 0 ? undefined : subjectOf(rows[0])
  }

  async set(token: string, category: string, subject: EngineSubject): Promise<void> {
    const row = rowValues(subject)
    if (row.expiresAt !== null && row.expiresAt <= Date.now()) return this.delete(token)
    await this.connection.run(this.statements.set, [toColumn(token), toColumn(category), ...columns(row)])
  }

  async update(token: string, category: string, subject: EngineSubject): Promise<boolean> {
    const values = [toColumn(token), toColumn(category), ...columns(rowValues(subject))]
    const { rowCount } = await this.connection.run(this.statements.update, values)
    return rowCount === 1
  }

  /**
   * Changes only the given top-level fields of the live row (a field given as `undefined` is removed),
   * in one `UPDATE`; with `expectedVersion`, only when the stored `version` (absent: 0) equals it.
   * Resolves whether a row was changed: a row logged out or expired is never written back.
   */
  async patch(token: string, category: string, fields: EngineSubject, expectedVersion?: number): Promise<boolean> {
    const patch = patchValues(fields)
    const values = [
      toColumn(token),
      patch.named,
      patch.fields,
      ...patch.lastAccessed,
      ...patch.expiresAt,
      ...(expectedVersion === undefined ? [] : [expectedVersion])
    ]
    const statement = expectedVersion === undefined ? this.statements.patch : this.statements.patchVersion
    const { rowCount } = await this.connection.run(statement, values)
    return rowCount === 1
  }

  async setCapped(token: string, category: string, subject: EngineSubject, limit: number): Promise<EngineSubject[]> {
    const row = rowValues(subject)
    if (row.expiresAt !== null && row.expiresAt <= Date.now()) {
      await this.delete(token)
      return []
    }
    if (limit === Infinity) {
      await this.set(token, category, subject)
      return []
    }
    const stored = toColumn(category)
    const values = [toColumn(token), stored, ...columns(row), Math.max(1, Math.floor(limit))]
    const removed = await this.connection.transaction(async (run) => {
      await run(this.statements.lockCategory, [`${this.tableName}:${stored}`])
      return (await run<SessionRow & { expired: boolean }>(this.statements.setCapped, values)).rows
    })
    return removed.filter((entry) => !entry.expired).map(subjectOf)
  }

  async getAll(category: string): Promise<Record<string, EngineSubject>> {
    const { rows } = await this.connection.run<SessionRow & { token: string }>(this.statements.list, [
      toColumn(category)
    ])
    // fromEntries defines own properties: a key such as "__proto__" stays data.
    return Object.fromEntries(rows.map((row) => [fromColumn(row.token), subjectOf(row)]))
  }

  async delete(token: string): Promise<void> {
    await this.connection.run(this.statements.delete, [toColumn(token)])
  }

  async deleteAll(category: string, keepToken?: string): Promise<void> {
    if (keepToken === undefined) await this.connection.run(this.statements.deleteCategory, [toColumn(category)])
    else await this.connection.run(this.statements.deleteCategoryExcept, [toColumn(category), toColumn(keepToken)])
  }

  /** Removes every row whose category starts with `prefix`, in one `DELETE`. */
  async deleteByCategoryPrefix(prefix: string): Promise<void> {
    const pattern = `${toColumn(prefix).replace(/[\\%_]/g, '\\$&')}%`
    await this.connection.run(this.statements.deleteCategoryPrefix, [pattern])
  }

  /** Removes every row of the table, once `prepare()` has found it to be the engine's own. */
  async clear(): Promise<void> {
    await this.prepare()
    await this.connection.run(this.statements.clear, [])
  }

  /**
   * Removes expired rows now, in bounded batches (the timer calls this), once `prepare()` has found the
   * table to be the engine's own; resolves how many it removed.
   */
  async sweep(): Promise<number> {
    await this.prepare()
    return this.sweeper.sweep()
  }
}

function columns(row: ReturnType<typeof rowValues>): unknown[] {
  return [row.fields, row.expiresAt, row.lastAccessed, row.firstAccessed]
}

// node-postgres parses `jsonb` columns itself, unless an app's pool overrides the type parser.
function subjectOf(row: SessionRow): EngineSubject {
  return decodeFields(row.fields)
}

function isPool(value: unknown): value is Pool {
  const candidate = value as Partial<Pool> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.query === 'function' &&
    typeof candidate.connect === 'function'
  )
}

function ownPool(config: PoolConfig, statementTimeout: number): Pool {
  const bounded = Number.isFinite(statementTimeout)
  const pool = new pg.Pool({
    ...config,
    // Bounded on both ends: a connection attempt to a host that does not answer, and the server's own
    // work on a statement the client has given up on, a wait on a lock included.
    connectionTimeoutMillis: config.connectionTimeoutMillis ?? (bounded ? statementTimeout : undefined),
    statement_timeout: config.statement_timeout ?? (bounded ? statementTimeout : undefined),
    lock_timeout: config.lock_timeout ?? (bounded ? statementTimeout : undefined)
  })
  // An idle connection that breaks (PostgreSQL restarted) is dropped by the pool and reported here;
  // unheard, the event would crash the process. The next statement opens a new connection.
  pool.on('error', () => undefined)
  return pool
}
