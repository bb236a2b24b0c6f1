import { invalidOption } from '../../engine'
import type { RedisAdapter } from './adapter'
import { Heartbeats } from './heartbeat'
import {
  NodeRedisClientAdapter,
  NodeRedisClusterAdapter,
  type RedisClientLike,
  type RedisClusterLike
} from './nodeRedis'

/** What {@link InvalidationTracker} reports. */
export interface TrackingHandlers {
  /** Redis says these keys changed; `null`: every key may have (a flush). */
  invalidate(keys: string[] | null): void
  /** A tracking connection was lost, or its heartbeat came late: invalidations may have been missed. */
  lost(): void
}

/** How the tracker bounds staleness. */
export interface TrackingTiming {
  /** Milliseconds after a heartbeat's sending during which a cached entry may be served on its proof. */
  maxStaleness: number
  /** Milliseconds that setting up the tracking connections may take before it is retried. */
  setupTimeout: number
}

/** A node-redis client as far as a tracking connection uses it (v4 to the current major). */
interface TrackingClient {
  connect(): Promise<unknown>
  sendCommand(args: string[]): Promise<unknown>
  subscribe(channel: string, listener: (keys: string[] | null) => void): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  destroy?(): unknown
  disconnect?(): Promise<unknown>
}

interface Duplicable {
  duplicate(overrides?: Record<string, unknown>): TrackingClient
}

const INVALIDATION_CHANNEL = '__redis__:invalidate'
const FIRST_RETRY_DELAY_MS = 50
const MAX_RETRY_DELAY_MS = 1_000

function isDuplicable(value: unknown): value is Duplicable {
  return typeof (value as Partial<Duplicable> | null)?.duplicate === 'function'
}

function isCluster(client: RedisClientLike | RedisClusterLike): client is RedisClusterLike {
  return typeof (client as Partial<RedisClusterLike>).nodeClient === 'function'
}

/**
 * The client tracking connections are opened from: a node-redis client or cluster client. Any other
 * (ioredis, iovalkey, a Sentinel client) is the `localCache` option's `TypeError`.
 */
export function trackableClient(adapter: RedisAdapter): RedisClientLike | RedisClusterLike {
  const client = adapter.client as RedisClientLike | RedisClusterLike
  const nodeRedis = adapter instanceof NodeRedisClientAdapter || adapter instanceof NodeRedisClusterAdapter
  if (!nodeRedis || !(isCluster(client) || isDuplicable(client))) {
    throw invalidOption(
      'localCache',
      'set',
      'left out unless the client is a node-redis createClient() or createCluster() client (v4 or later)'
    )
  }
  return client
}

/**
 * Redis client tracking for one key prefix, on connections of its own, one per master: each runs
 * `CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>` and subscribes to Redis's
 * invalidation channel, in RESP2, which node-redis 4 and later all speak. Broadcasting mode costs Redis
 * no memory per key read, and needs nothing of the connection that reads.
 *
 * Any trouble on any of them reports `lost()` at once and starts over on fresh connections, with a
 * backoff; `tracking` is true only while every master's connection is up and subscribed. A heartbeat
 * on each (see {@link Heartbeats}) gives {@link InvalidationTracker.freshUntil}; one that comes late
 * is trouble too, and so is a setup that takes longer than `setupTimeout` (a link that forwards nothing).
 */
export class InvalidationTracker {
  #tracking = false
  #attempt = 0
  #connections: TrackingClient[] = []
  #retryDelay = FIRST_RETRY_DELAY_MS
  #retryTimer: NodeJS.Timeout | undefined
  #stopped = false
  #lostCurrent: () => void = () => undefined
  readonly #heartbeats: Heartbeats

  constructor(
    private readonly client: RedisClientLike | RedisClusterLike,
    private readonly prefix: string,
    private readonly handlers: TrackingHandlers,
    private readonly timing: TrackingTiming
  ) {
    this.#heartbeats = new Heartbeats(timing.maxStaleness, () => this.#lostCurrent())
  }

  /** Whether every invalidation for the prefix reaches this process now. */
  get tracking(): boolean {
    return this.#tracking
  }

  /** Until when (ms since the epoch) a cached entry may be served: 0 while not tracking. */
  get freshUntil(): number {
    return this.#heartbeats.freshUntil
  }

  /**
   * Opens the tracking connections; resolves once this attempt succeeded or failed (a failure is
   * retried). Called once per `prepare()` of the engine, which runs once until `release()`.
   */
  async start(): Promise<void> {
    this.#stopped = false
    await this.#open()
  }

  /** Closes the tracking connections and stops retrying. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#attempt += 1
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#drop()
  }

  async #open(): Promise<void> {
    const attempt = ++this.#attempt
    const lost = (): void => {
      if (attempt !== this.#attempt) return
      this.#attempt += 1
      this.#drop()
      this.#retry()
    }
    this.#lostCurrent = lost
    const setupTimer = setTimeout(lost, this.timing.setupTimeout).unref()
    try {
      const nodes = await this.#nodes()
      if (attempt !== this.#attempt) return
      const connections = nodes.map((node) => node.duplicate({ RESP: 2, maintNotifications: 'disabled' }))
      this.#connections = connections
      for (const connection of connections) {
        for (const event of ['error', 'end', 'reconnecting']) connection.on(event, lost)
      }
      const since = await Promise.all(connections.map((connection) => this.#track(connection)))
      if (attempt !== this.#attempt) return
      this.#tracking = true
      this.#heartbeats.start(connections, since)
      this.#retryDelay = FIRST_RETRY_DELAY_MS
    } catch {
      lost()
    } finally {
      clearTimeout(setupTimer)
    }
  }

  /** Sets tracking up on `connection`; resolves with the time its last setup command was sent, which its answer proves. */
  async #track(connection: TrackingClient): Promise<number> {
    await connection.connect()
    const id = String(await connection.sendCommand(['CLIENT', 'ID']))
    await connection.sendCommand(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', this.prefix])
    const since = Date.now()
    await connection.subscribe(INVALIDATION_CHANNEL, (keys) => this.handlers.invalidate(keys))
    return since
  }

  async #nodes(): Promise<Duplicable[]> {
    const { client } = this
    if (!isCluster(client)) return [client as unknown as Duplicable]
    const nodes = await Promise.all(client.masters.map((master) => client.nodeClient(master)))
    if (nodes.length === 0 || !nodes.every(isDuplicable)) throw new Error('no master to track')
    return nodes as unknown[] as Duplicable[]
  }

  #drop(): void {
    const wasTracking = this.#tracking
    this.#tracking = false
    this.#heartbeats.stop()
    for (const connection of this.#connections) close(connection)
    this.#connections = []
    if (wasTracking) this.handlers.lost()
  }

  #retry(): void {
    if (this.#stopped || this.#retryTimer) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      void this.#open()
    }, this.#retryDelay)
    this.#retryTimer.unref()
    this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_DELAY_MS)
  }
}

function close(connection: TrackingClient): void {
  try {
    const closing = connection.destroy ? connection.destroy() : connection.disconnect?.()
    if (closing instanceof Promise) closing.catch(() => undefined)
  } catch {
    // Already closed.
  }
}
