import type { Pool, PoolClient, QueryResultRow } from 'pg'
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

/**
 * Statements through a `pg.Pool`, each bounded by the statement timeout: past it the caller gets an
 * error while PostgreSQL, the network or the pool are still silent, and node-postgres drops the
 * connection the late statement used, so it never comes back to the pool half-read.
 */
export class PostgresConnection {
  constructor(
    readonly pool: Pool,
    private readonly timeoutMs: number
  ) {}

  /** Runs one named statement. */
  run<Row extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<Result<Row>> {
    return this.bounded(this.pool.query<Row>(this.config(statement, values)))
  }

  /** Runs `work` between `BEGIN` and `COMMIT` on one connection; the whole of it bounded by the timeout. */
  transaction<T>(work: (run: TransactionRunner) => Promise<T>): Promise<T> {
    let client: PoolClient | undefined
    let abandoned = false
    // Once only: a transaction abandoned at its deadline must not hand its connection back a second time.
    const release = (destroy: boolean) => {
      if (client === undefined || abandoned) return
      abandoned = destroy
      client.release(destroy)
      if (!destroy) client = undefined
    }
    const attempt = (async () => {
      client = await this.pool.connect()
      if (abandoned) {
        client.release(true)
        throw new Error('transaction abandoned at its deadline')
      }
      const connection = client
      try {
        await connection.query('BEGIN')
        const result = await work((statement, values) => connection.query(this.config(statement, values)))
        await connection.query('COMMIT')
        release(false)
        return result
      } catch (error) {
        // Closing the connection rolls back whatever the transaction did; it is not worth a round trip.
        release(true)
        throw error
      }
    })()
    return this.bounded(attempt, () => {
      if (client === undefined) abandoned = true
      else release(true)
    })
  }

  private config(statement: Statement, values: unknown[]) {
    return {
      name: statement.name,
      text: statement.text,
      values,
      ...(Number.isFinite(this.timeoutMs) ? { query_timeout: this.timeoutMs } : {})
    }
  }

  private bounded<T>(work: Promise<T>, onTimeout?: () => void): Promise<T> {
    if (!Number.isFinite(this.timeoutMs)) return work
    // One promise and one timer per statement, on every request: no race() of two promises.
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        onTimeout?.()
        reject(new Error(`PostgreSQL did not answer within ${this.timeoutMs} ms`))
      }, this.timeoutMs)
      // Once the deadline has passed, the late outcome of the work is no one's any more: settling again is a no-op.
      work.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        }
      )
    })
  }
}
