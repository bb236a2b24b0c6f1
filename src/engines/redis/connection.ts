import { createHash } from 'node:crypto'

/** A node-redis client (`createClient`, v4 or later), as far as {@link RedisEngine} uses it. */
export interface RedisClientLike {
  readonly isOpen: boolean
  connect(): Promise<unknown>
  sendCommand(args: string[]): Promise<unknown>
}

/** A node-redis cluster client (`createCluster`, v4 or later), as far as {@link RedisEngine} uses it. */
export interface RedisClusterLike {
  readonly isOpen: boolean
  readonly masters: readonly object[]
  connect(): Promise<unknown>
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>
  nodeClient(node: object): RedisClientLike | Promise<RedisClientLike>
}

/** A Lua script, sent by SHA once Redis has it cached. */
export interface RedisScript {
  readonly source: string
  readonly sha: string
}

export function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

export function isCluster(client: RedisClientLike | RedisClusterLike): client is RedisClusterLike {
  return typeof (client as Partial<RedisClusterLike>).nodeClient === 'function'
}

export function isRedisClient(value: unknown): value is RedisClientLike | RedisClusterLike {
  const candidate = value as Partial<RedisClientLike> | null | undefined
  return typeof candidate?.sendCommand === 'function' && typeof candidate.connect === 'function'
}

/**
 * The few commands the engine sends, over a client or a cluster client alike: every command names
 * the key it is routed by, and every command fails after `timeoutMs`, so that a request never waits
 * on a Redis that stopped answering (a hung server or a dropped network sends no connection error).
 */
export class RedisConnection {
  constructor(
    readonly client: RedisClientLike | RedisClusterLike,
    private readonly timeoutMs: number
  ) {}

  get cluster(): boolean {
    return isCluster(this.client)
  }

  /** Sends one command about `key`. */
  send(key: string, args: string[]): Promise<unknown> {
    const { client } = this
    return this.bounded(isCluster(client) ? client.sendCommand(key, false, args) : client.sendCommand(args))
  }

  /** Runs a script whose first key routes it: by SHA, with the source only when Redis lacks it. */
  async run(lua: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await this.send(keys[0], ['EVALSHA', lua.sha, ...tail])
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
      return this.send(keys[0], ['EVAL', lua.source, ...tail])
    }
  }

  /** Sends the commands one after another on a cluster; on one connection, in one write (Redis keeps their order). */
  async inOrder(commands: (() => Promise<unknown>)[]): Promise<unknown[]> {
    if (!this.cluster) return Promise.all(commands.map((command) => command()))
    const replies: unknown[] = []
    for (const command of commands) replies.push(await command())
    return replies
  }

  /** Removes every key matching `pattern`, with `SCAN` on every master: for `clear()` only, never a request. */
  async unlinkMatching(pattern: string): Promise<void> {
    const { client } = this
    const nodes = isCluster(client)
      ? await Promise.all(client.masters.map((node) => client.nodeClient(node)))
      : [client]
    for (const node of nodes) {
      let cursor = '0'
      do {
        const [next, keys] = (await this.bounded(
          node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])
        )) as [unknown, unknown[]]
        cursor = String(next)
        // One key per command: keys of one node may still lie in different slots.
        await Promise.all(keys.map(text).map((key) => this.send(key, ['UNLINK', key])))
      } while (cursor !== '0')
    }
  }

  private bounded<T>(reply: Promise<T>): Promise<T> {
    if (this.timeoutMs === Infinity) return reply
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs)
    })
    return Promise.race([reply, timeout]).finally(() => clearTimeout(timer))
  }
}

/** A bulk-string reply as text (a client configured to map replies to Buffers included). */
export function text(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply)
}
