/** Sends one command routed to the node that serves `key` (whether or not `args` contain it). */
export type Send = (key: string, args: string[]) => Promise<unknown>

/** Sends one command that names no key, to one node. */
export type NodeSend = (args: string[]) => Promise<unknown>

/**
 * The few things {@link RedisEngine} asks of a client, one implementation per client family
 * (node-redis, ioredis/iovalkey), so the engine itself never asks which client it was given.
 * Nothing here bounds a command in time: the engine adds the one timer per command.
 */
export interface RedisAdapter {
  /** The client, as it was passed in or created. */
  readonly client: object
  /** Keys of one operation may live on different nodes: no script may touch two of them. */
  readonly cluster: boolean
  /** Connects a client that is neither connected nor connecting; leaves any other as it is. */
  connect(): Promise<void>
  send: Send
  /**
   * Commands sent without waiting for each other reach Redis in the order sent, over one connection
   * (so a `WAIT` after them waits for them). Otherwise the engine sends them one after another.
   */
  readonly ordered: boolean
  /** One sender per master, for the commands that concern a whole node (`SCAN`, `CONFIG GET`). */
  masters(): Promise<NodeSend[]>
  /** Calls `listener` with every connection error the client reports, and with `undefined` once it is ready again. */
  watch(listener: (error: Error | undefined) => void): void
}

/** An event emitter as far as the adapters listen to clients. */
export interface Listenable {
  on(event: string, listener: (...args: never[]) => void): unknown
}

/** Listens for `error` and `ready` on an emitter, when the client is one. */
export function watchEvents(client: object, listener: (error: Error | undefined) => void): void {
  const emitter = client as Partial<Listenable>
  if (typeof emitter.on !== 'function') return
  emitter.on('error', (error: Error) => listener(error))
  // node-redis's cluster client reports its nodes' connection errors under their own name.
  emitter.on('node-error', (error: Error) => listener(error))
  emitter.on('ready', () => listener(undefined))
}
