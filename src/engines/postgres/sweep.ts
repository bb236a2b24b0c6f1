import type { PostgresConnection } from './connection'
import type { Statement } from './statements'

/**
 * Removes expired rows in batches of `batchSize`, each its own short statement (no table lock, no
 * long transaction), until a batch comes back short. Runs on an unref'd timer, so it never keeps a
 * process alive, and never overlaps itself; every app instance may run one (SKIP LOCKED keeps them
 * apart).
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined

  constructor(
    private readonly connection: PostgresConnection,
    private readonly statement: Statement,
    private readonly intervalMs: number,
    private readonly batchSize: number
  ) {}

  /** Starts the timer (a no-op when it runs, or when the interval is `Infinity`). */
  start(): void {
    if (this.timer || !Number.isFinite(this.intervalMs)) return
    // A failed sweep (PostgreSQL away) is simply tried again at the next tick.
    this.timer = setInterval(() => this.sweep().catch(() => undefined), this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer; a sweep under way finishes its batch. */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Sweeps now, or joins the sweep under way; resolves how many rows it removed. */
  sweep(): Promise<number> {
    this.running ??= this.batches().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async batches(): Promise<number> {
    let removed = 0
    for (;;) {
      const batch = Number((await this.connection.run(this.statement, [this.batchSize])).rowCount)
      removed += batch
      if (batch < this.batchSize) return removed
    }
  }
}
