import pg, { type Pool, type PoolClient, type QueryResultRow } from 'pg'
import { PostgresTimeoutError } from './errors'
import type { Statement } from './statements'

/** The rows of a statement and how many it touched. */
export interface Result<Row> {
  rows: Row[]
  rowCount: number | null
}

/** Runs statements inside one transaction, on one connection. */
export type TransactionRunner = <Row extends QueryResultRow>(
  statement: Statement,
  values: unknown[]
) => Promise<Result<Row>>

/** Where the server learns the statement timeout and lock timeout of the engine's statements. */
export type ServerBounds =
  /** The pool's connections were opened with them (a pool the engine created). */
  | 'connection'
  /** Each statement runs in a transaction that sets them with `SET LOCAL` (an app's pool: nothing leaks to its other queries). */
  | 'transaction'

/**
 * Statements through a `pg.Pool`, each bounded by the statement timeout on both ends. The caller gets
 * an error at the deadline while PostgreSQL, the network or the pool are still silent; the server
 * gives up by itself too (`statement_timeout` and `lock_timeout`), and the connection stays checked out
 * until it has, so the pool never opens a new connection beside a backend that is still waiting (on a
 * locked table, that is what would exhaust the server's connections). A connection whose server stays
 * silent for another timeout is closed.
 */
export class PostgresConnection {
  private readonly begin: string

  constructor(
    readonly pool: Pool,
    private readonly timeoutMs: number,
    private readonly bounds: ServerBounds
  ) {
    const ms = Math.ceil(timeoutMs)
    // Numbers only: nothing from outside reaches this text. One round trip for all three.
    this.begin = Number.isFinite(timeoutMs)
      ? `BEGIN; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${ms}`
      : 'BEGIN'
  }

  /** Runs one named statement. */
  run<Row extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<Result<Row>> {
    if (!Number.isFinite(this.timeoutMs)) return this.pool.query<Row>(config(statement, values))
    if (this.bounds === 'connection') {
      return this.checkedOut((client) => client.query<Row>(config(statement, values)))
    }
    return this.checkedOut((client, late) =>
      this.inTransaction(client, late, () => client.query<Row>(config(statement, values)))
    )
  }

  /** Runs `work` between `BEGIN` and `COMMIT` on one connection; the whole of it bounded by the timeout. */
  transaction<T>(work: (run: TransactionRunner) => Promise<T>): Promise<T> {
    return this.checkedOut((client, late) =>
      this.inTransaction(client, late, () =>
        work((statement, values) => {
          // Past the deadline the caller has been told it failed: nothing more is written.
          if (late()) return Promise.reject(new Error('transaction abandoned at its deadline'))
          return client.query(config(statement, values))
        })
      )
    )
  }

  private async inTransaction<T>(client: PoolClient, late: () => boolean, work: () => Promise<T>): Promise<T> {
    await client.query(this.begin)
    let result: T
    try {
      result = await work()
      if (late()) throw new Error('transaction abandoned at its deadline')
    } catch (error) {
      // A connection that cannot even roll back is closed (a plain Error is never taken for the server's answer).
      await client.query('ROLLBACK').catch(() => {
        throw new Error(error instanceof Error ? error.message : String(error), { cause: error })
      })
      throw error
    }
    await client.query('COMMIT')
    return result
  }

  /**
   * Checks a connection out for `work`, and hands it back once: healthy when the server answered (an
   * error it sent leaves the connection usable), closed when the connection failed or stayed silent.
   */
  private checkedOut<T>(work: (client: PoolClient, late: () => boolean) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let client: PoolClient | undefined
      let released = false
      let late = false
      let settled = false
      const release = (destroy: boolean) => {
        if (client === undefined || released) return
        released = true
        client.release(destroy)
      }
      const settle = (outcome: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        outcome()
      }
      const deadline = () => {
        late = true
        settle(() => reject(new PostgresTimeoutError(this.timeoutMs)))
        // The server bounds its own work by the same timeout: silent for another one, it is gone.
        timer = setTimeout(() => release(true), this.timeoutMs)
        timer.unref()
      }
      let timer: NodeJS.Timeout | undefined = Number.isFinite(this.timeoutMs)
        ? setTimeout(deadline, this.timeoutMs)
        : undefined
      this.pool.connect().then(
        (connected) => {
          client = connected
          // Handed out too late: the caller has its answer, so nothing runs.
          if (late) {
            clearTimeout(timer)
            release(false)
            return
          }
          work(connected, () => late).then(
            (value) => {
              clearTimeout(timer)
              release(false)
              settle(() => resolve(value))
            },
            (error: unknown) => {
              clearTimeout(timer)
              release(!answered(error))
              settle(() => reject(error))
            }
          )
        },
        (error: unknown) => settle(() => reject(error))
      )
    })
  }
}

// The server refused the statement and the connection stays usable (a FATAL error ends it).
function answered(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC'
}

function config(statement: Statement, values: unknown[]) {
  return { name: statement.name, text: statement.text, values }
}
