import { watchEvents, type NodeSend, type RedisAdapter, type Send } from './adapter'

/** A node-redis client (`createClient`, v4 or later), as far as {@link RedisEngine} uses it. */
export interface RedisClientLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  sendCommand(args: string[], options?: object): Promise<unknown>
}

/** A node-redis cluster client (`createCluster`, v4 or later), as far as {@link RedisEngine} uses it. */
export interface RedisClusterLike {
  readonly isOpen: boolean
  readonly masters: readonly object[]
  connect(): Promise<unknown>
  sendCommand(firstKey: string, isReadonly: boolean, args: string[], options?: object): Promise<unknown>
  nodeClient(node: object): RedisClientLike | Promise<RedisClientLike>
}

/** A node-redis Sentinel client (`createSentinel`, v5 or later), as far as {@link RedisEngine} uses it. */
export interface RedisSentinelLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  sendCommand(isReadonly: boolean, args: string[], options?: object): Promise<unknown>
  use<T>(
    work: (client: {
      sendCommand(isReadonly: boolean, args: string[], options?: object): Promise<unknown>
    }) => Promise<T>
  ): Promise<T>
}

// node-redis 5 and later bound every command with a timer of their own (5 s by default), which only
// covers the wait to be written. The engine bounds the whole command, so it turns that one off: one
// timer per command. Older majors ignore the option.
const NO_CLIENT_TIMER = { timeout: 0 }

/** A node-redis client: one connection, commands pipelined in the order sent. */
export class NodeRedisClientAdapter implements RedisAdapter {
  readonly cluster = false
  readonly ordered = true

  constructor(readonly client: RedisClientLike) {}

  async connect(): Promise<void> {
    if (!this.client.isOpen) await this.client.connect()
  }

  send: Send = (_key, args) => this.client.sendCommand(args, NO_CLIENT_TIMER)

  async masters(): Promise<NodeSend[]> {
    return [(args) => this.client.sendCommand(args, NO_CLIENT_TIMER)]
  }

  watch(listener: (error: Error | undefined) => void): void {
    watchEvents(this.client, listener)
  }
}

/** A node-redis cluster client: one connection per node, commands routed by their first key. */
export class NodeRedisClusterAdapter implements RedisAdapter {
  readonly cluster = true
  readonly ordered = false

  constructor(readonly client: RedisClusterLike) {}

  async connect(): Promise<void> {
    if (!this.client.isOpen) await this.client.connect()
  }

  send: Send = (key, args) => this.client.sendCommand(key, false, args, NO_CLIENT_TIMER)

  async masters(): Promise<NodeSend[]> {
    const nodes = await Promise.all(this.client.masters.map((node) => this.client.nodeClient(node)))
    return nodes.map((node) => (args) => node.sendCommand(args, NO_CLIENT_TIMER))
  }

  watch(listener: (error: Error | undefined) => void): void {
    watchEvents(this.client, listener)
  }
}

/**
 * A node-redis Sentinel client: commands go to the master it currently knows, each over a connection
 * leased from its pool. Commands sent together wait for one lease after the other anyway, so they are
 * sent in sequence, which keeps their order whatever the pool size. A `WAIT` follows the writes on the
 * same connection with one master connection (`masterPoolSize: 1`, the default); `use()` would
 * guarantee it with any pool, but costs node-redis 6 some 60 ms per call.
 */
export class NodeRedisSentinelAdapter implements RedisAdapter {
  readonly cluster = false
  readonly ordered = false

  constructor(readonly client: RedisSentinelLike) {}

  async connect(): Promise<void> {
    if (!this.client.isOpen) await this.client.connect()
  }

  send: Send = (_key, args) => this.client.sendCommand(false, args, NO_CLIENT_TIMER)

  async masters(): Promise<NodeSend[]> {
    return [(args) => this.client.sendCommand(false, args, NO_CLIENT_TIMER)]
  }

  watch(listener: (error: Error | undefined) => void): void {
    watchEvents(this.client, listener)
  }
}
