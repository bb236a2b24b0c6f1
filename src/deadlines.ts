/**
 * One deadline `timeoutMs` away for each of many pending promises, kept on a single interval timer, not
 * a timer each: arming and clearing a `setTimeout` per engine call or Redis round trip costs more than
 * the rest of the hot path's bookkeeping. A promise is failed at most one tick late (an eighth of the
 * timeout, at most 250 ms). The timer runs only while something waits, and never holds the process open.
 */
export class DeadlineClock {
  readonly #timeoutMs: number
  readonly #tickMs: number
  // Still pending, in the order they began, which is their deadlines' order: the one timeout for all.
  readonly #waiting = new Set<Deadline>()
  #timer: NodeJS.Timeout | undefined

  /** `timeoutMs`: a whole number of milliseconds, 1 or more. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
    this.#tickMs = Math.min(MAX_TICK_MS, Math.max(1, Math.floor(timeoutMs / TICKS_PER_TIMEOUT)))
  }

  /** The timeout every deadline of this clock is given. */
  get timeoutMs(): number {
    return this.#timeoutMs
  }

  /**
   * `pending`'s outcome, or, once its deadline passes first, a rejection with the error `overdue` makes
   * (called once, at that moment). `rejected` maps `pending`'s own rejection reason.
   */
  bound<T>(pending: Promise<T>, overdue: () => Error, rejected?: (error: unknown) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = this.enter(() => reject(overdue()))
      pending.then(
        (value) => {
          this.leave(deadline)
          resolve(value)
        },
        (error: unknown) => {
          this.leave(deadline)
          reject(rejected === undefined ? error : rejected(error))
        }
      )
    })
  }

  /** Starts a deadline `timeoutMs` from now: `fail` is called once it has passed, unless `leave()` came first. */
  enter(fail: () => void): Deadline {
    const deadline: Deadline = { at: Date.now() + this.#timeoutMs, fail }
    this.#waiting.add(deadline)
    this.#timer ??= setInterval(() => this.#failOverdue(), this.#tickMs).unref()
    return deadline
  }

  /** Ends a deadline before it passes (a no-op once it has). */
  leave(deadline: Deadline): void {
    this.#waiting.delete(deadline)
  }

  #failOverdue(): void {
    const now = Date.now()
    for (const waiting of this.#waiting) {
      if (waiting.at > now) return
      this.#waiting.delete(waiting)
      waiting.fail()
    }
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

/** One deadline of a {@link DeadlineClock}: when it passes, and what to do then. */
export interface Deadline {
  readonly at: number
  readonly fail: () => void
}

const TICKS_PER_TIMEOUT = 8
const MAX_TICK_MS = 250
