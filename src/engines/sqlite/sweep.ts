import type { Statement } from 'better-sqlite3'

/**
 * Removes expired rows in batches of `batchSize`, each its own short write transaction, so a request
 * waits for one batch at most. Runs on an unref'd timer (never keeping a process alive); a tick removes
 * at most `maxBatchesPerTick` batches and leaves the rest to the next one, so the event loop is never
 * held for long. Every process on the file may run one: a row is deleted once, whoever sweeps it.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly statement: () => Statement<[number, number]>,
    private readonly intervalMs: number,
    private readonly batchSize: number,
    private readonly maxBatchesPerTick = 10
  ) {}

  /** Starts the timer (a no-op when it runs, or when the interval is 0 or `Infinity`). */
  start(): void {
    if (this.timer || this.intervalMs === 0 || !Number.isFinite(this.intervalMs)) return
    this.timer = setInterval(() => {
      // A failed sweep (the database busy or read-only) is simply tried again at the next tick.
      try {
        this.sweep(this.maxBatchesPerTick)
      } catch {
        return
      }
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.timer !== undefined
  }

  /** Removes expired rows now, at most `maxBatches` batches of them; returns how many it removed. */
  sweep(maxBatches: number, now = Date.now()): number {
    let removed = 0
    for (let batch = 0; batch < maxBatches; batch++) {
      const { changes } = this.statement().run(now, this.batchSize)
      removed += changes
      if (changes < this.batchSize) break
    }
    return removed
  }
}
