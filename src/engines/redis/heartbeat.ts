/** A tracking connection as far as its heartbeat uses it. */
export interface Pingable {
  sendCommand(args: string[]): Promise<unknown>
}

/** One connection's heartbeat. */
interface Beat {
  readonly connection: Pingable
  /** When the PING still unanswered was sent; `undefined` when none is. */
  sentAt: number | undefined
  /** When the last answered PING (or the setup command it stands for) was sent. */
  provenAt: number
}

/** Fewest milliseconds between two PINGs on one connection. */
const MIN_INTERVAL_MS = 5

/**
 * PINGs on every tracking connection, to bound how stale the local cache can be. A connection's
 * replies and the invalidations Redis pushes to it leave Redis in one stream, in order, so a PING sent
 * at `s` and answered proves that every invalidation Redis produced before `s` has arrived. A cached
 * entry may then be served until `s + maxStaleness` (the oldest such `s` over the connections):
 * {@link Heartbeats.freshUntil}, one number the hot path compares with the clock.
 *
 * A PING still unanswered `maxStaleness` after it was sent reports `late()`: the connection is as good
 * as lost. One answered later than that proves only what is already past the bound.
 */
export class Heartbeats {
  /** Until when (ms since the epoch) a cached entry may be served; 0 while not beating. */
  freshUntil = 0
  #beats: Beat[] = []
  #timer: NodeJS.Timeout | undefined
  // Infinity while beating, 0 once stopped: with no connection to prove anything, nothing is fresh.
  #ceiling = 0
  readonly #intervalMs: number

  constructor(
    private readonly maxStaleness: number,
    private readonly late: () => void
  ) {
    // Four PINGs per bound: a round trip of up to three quarters of it keeps the cache in use.
    this.#intervalMs = Math.max(MIN_INTERVAL_MS, Math.floor(maxStaleness / 4))
  }

  /** Starts beating on `connections`, each proven up to the matching time of `since`. */
  start(connections: Pingable[], since: number[]): void {
    this.stop()
    this.#beats = connections.map((connection, index) => ({ connection, sentAt: undefined, provenAt: since[index] }))
    this.#ceiling = Infinity
    this.#refresh()
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs).unref()
  }

  /** Stops beating: nothing may be served from the cache until the next `start()`. */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#beats = []
    this.#ceiling = 0
    this.freshUntil = 0
  }

  #tick(): void {
    const now = Date.now()
    for (const beat of this.#beats) {
      if (beat.sentAt === undefined) this.#ping(beat, now)
      else if (now - beat.sentAt >= this.maxStaleness) return this.late()
    }
  }

  #ping(beat: Beat, sentAt: number): void {
    beat.sentAt = sentAt
    // A late answer proves only up to a time already past the bound, so it leaves the cache stale; a
    // failed PING stays unanswered, which the next ticks report. A beat of connections since dropped
    // changes nothing: `freshUntil` is computed from the current ones.
    beat.connection.sendCommand(['PING']).then(
      () => {
        beat.sentAt = undefined
        beat.provenAt = sentAt
        this.#refresh()
      },
      () => undefined
    )
  }

  #refresh(): void {
    let oldest = Infinity
    for (const beat of this.#beats) oldest = Math.min(oldest, beat.provenAt)
    this.freshUntil = Math.min(this.#ceiling, oldest + this.maxStaleness)
  }
}
