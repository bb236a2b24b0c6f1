import { watchEvents, type NodeSend, type RedisAdapter, type Send } from './adapter'

/** An ioredis (5 or later) or iovalkey `Redis` client, standalone or with `sentinels`, as far as {@link RedisEngine} uses it. */
export interface IoRedisLike {
  readonly status: string
  readonly isCluster: boolean
  connect(): Promise<unknown>
  call(command: string, args: string[]): Promise<unknown>
}

/** An ioredis (5 or later) or iovalkey `Cluster`, as far as {@link RedisEngine} uses it. */
export interface IoRedisClusterLike {
  readonly status: string
  once(event: 'ready' | 'end', listener: () => void): unknown
  off(event: 'ready' | 'end', listener: () => void): unknown
  readonly isCluster: boolean
  connect(): Promise<unknown>
  call(command: string, args: string[]): Promise<unknown>
  nodes(role: 'master'): IoRedisLike[]
  pipeline(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> }
}

/** Statuses in which an ioredis client neither is nor will be connected unless asked (`lazyConnect`, after `quit`). */
const IDLE = new Set(['wait', 'end'])

/** An ioredis `Redis`: one connection (to the master sentinels name, with `sentinels`), commands in the order sent. */
export class IoRedisAdapter implements RedisAdapter {
  readonly cluster = false
  readonly ordered = true

  constructor(readonly client: IoRedisLike) {}

  async connect(): Promise<void> {
    if (IDLE.has(this.client.status)) await this.client.connect()
  }

  send: Send = (_key, [command, ...args]) => this.client.call(command, args)

  async masters(): Promise<NodeSend[]> {
    return [([command, ...args]) => this.client.call(command, args)]
  }

  watch(listener: (error: Error | undefined) => void): void {
    watchEvents(this.client, listener)
  }
}

/**
 * An ioredis `Cluster`. It routes a command by the keys it finds in it; `WAIT` names none, so it rides
 * in a pipeline behind a read of the key, which takes it to that key's master, over the connection
 * that carried the writes it waits for.
 */
export class IoRedisClusterAdapter implements RedisAdapter {
  readonly cluster = true
  readonly ordered = false

  constructor(readonly client: IoRedisClusterLike) {}

  /** Connects if idle, and waits for the slot map: until then the cluster cannot name its masters. */
  async connect(): Promise<void> {
    const { client } = this
    if (IDLE.has(client.status)) await client.connect()
    if (client.status === 'ready') return
    await new Promise<void>((resolve, reject) => {
      const ready = () => {
        client.off('end', ended)
        resolve()
      }
      const ended = () => {
        client.off('ready', ready)
        reject(new Error('the ioredis Cluster client was closed before it was ready'))
      }
      client.once('ready', ready)
      client.once('end', ended)
    })
  }

  send: Send = async (key, [command, ...args]) => {
    if (command !== 'WAIT') return this.client.call(command, args)
    const replies = await this.client
      .pipeline([
        ['exists', key],
        ['wait', ...args]
      ])
      .exec()
    const [error, reply] = replies?.[1] ?? [new Error('the cluster dropped the WAIT pipeline'), null]
    if (error) throw error
    return reply
  }

  async masters(): Promise<NodeSend[]> {
    return this.client.nodes('master').map(
      (node) =>
        ([command, ...args]) =>
          node.call(command, args)
    )
  }

  watch(listener: (error: Error | undefined) => void): void {
    watchEvents(this.client, listener)
  }
}
