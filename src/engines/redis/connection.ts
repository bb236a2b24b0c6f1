import { createHash } from 'node:crypto'
import { DeadlineClock } from '../../deadlines'
import type { NodeSend, RedisAdapter, Send } from './adapter'
import { RedisTimeoutError } from './errors'

/** A Lua script, sent by SHA once Redis has it cached. */
export interface RedisScript {
  readonly source: string
  readonly sha: string
}

export function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** One command (or script) of an operation, given the `send` to use. */
export type Step = (send: Send) => Promise<unknown>

/**
 * The commands the engine sends, over whichever client the adapter wraps. Each round trip gets a
 * deadline `timeoutMs` away, so that a request never waits on a Redis that stopped answering (a hung
 * server or a dropped network sends no connection error); an error keeps the client's last connection
 * error as its `cause`, so "the client is offline" still says why.
 */
export class RedisConnection {
  private readonly health: ClientHealth
  // One clock for every round trip, not a timer and a promise race each: a request's commands are the hot path.
  private readonly clock: DeadlineClock | undefined

  constructor(
    readonly adapter: RedisAdapter,
    private readonly timeoutMs: number,
    /** Called, before the caller hears of it, whenever a round trip fails or times out. */
    private readonly failed: (error: unknown) => void = () => undefined
  ) {
    this.health = healthOf(adapter)
    this.clock = timeoutMs === Infinity ? undefined : new DeadlineClock(timeoutMs)
  }

  private get lastConnectionError(): Error | undefined {
    return this.health.lastError
  }

  get cluster(): boolean {
    return this.adapter.cluster
  }

  /** Connects a client that is neither connected nor connecting, bounded like a command. */
  connect(): Promise<void> {
    return this.bounded(this.adapter.connect())
  }

  /** Sends one command about `key`. */
  send(key: string, args: string[]): Promise<unknown> {
    return this.bounded(this.adapter.send(key, args))
  }

  /** Runs a script whose first key routes it. */
  run(lua: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    return this.bounded(runScript(this.adapter.send, lua, keys, args))
  }

  /**
   * Runs the steps in order: over one connection, sent in one write (Redis keeps their order) and
   * bounded as one round trip; otherwise (a cluster, a pool) one after another, each bounded.
   */
  async together(steps: Step[]): Promise<unknown[]> {
    if (this.adapter.ordered) {
      const { send } = this.adapter
      return this.bounded(Promise.all(steps.map((step) => step(send))))
    }
    const replies: unknown[] = []
    const send: Send = (key, args) => this.send(key, args)
    for (const step of steps) replies.push(await step(send))
    return replies
  }

  /** Runs `command` on every master, each bounded. */
  async onMasters(command: (send: NodeSend) => Promise<void>): Promise<void> {
    const masters = await this.bounded(this.adapter.masters())
    for (const master of masters) await command((args) => this.bounded(master(args)))
  }

  /** Calls `each` with every key matching `pattern`, batch by batch, with `SCAN` on every master: never on a request. */
  async scanMatching(pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> {
    await this.onMasters(async (node) => {
      let cursor = '0'
      do {
        const [next, keys] = (await node(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [unknown, unknown[]]
        cursor = text(next)
        if (keys.length > 0) await each(keys.map(text))
      } while (cursor !== '0')
    })
  }

  /** Removes every key matching `pattern`, with `SCAN` on every master: for `clear()` only, never a request. */
  async unlinkMatching(pattern: string): Promise<void> {
    await this.onMasters(async (node) => {
      let cursor = '0'
      do {
        const [next, keys] = (await node(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [unknown, unknown[]]
        cursor = text(next)
        // One key per command: keys of one node may still lie in different slots.
        await Promise.all(keys.map(text).map((key) => this.send(key, ['UNLINK', key])))
      } while (cursor !== '0')
    })
  }

  private bounded<T>(reply: Promise<T>): Promise<T> {
    if (this.clock === undefined) return reply.catch((error: unknown) => Promise.reject(this.rejected(error)))
    return this.clock.bound(reply, this.overdue, this.rejected)
  }

  // Made once, not per round trip.
  private readonly rejected = (error: unknown): unknown => {
    this.failed(error)
    return this.withCause(error)
  }

  private readonly overdue = (): Error => {
    const error = new RedisTimeoutError(this.timeoutMs, this.lastConnectionError)
    this.failed(error)
    return error
  }

  private withCause(error: unknown): unknown {
    const last = this.lastConnectionError
    if (error instanceof Error && error.cause === undefined && last !== undefined && last !== error) {
      Object.defineProperty(error, 'cause', { value: last, configurable: true, writable: true })
    }
    return error
  }
}

/** The last connection error a client reported since it was last ready. */
interface ClientHealth {
  lastError: Error | undefined
}

// One pair of listeners per client, however many engines share it.
const healthByClient = new WeakMap<object, ClientHealth>()

function healthOf(adapter: RedisAdapter): ClientHealth {
  let health = healthByClient.get(adapter.client)
  if (!health) {
    const created: ClientHealth = { lastError: undefined }
    adapter.watch((error) => {
      created.lastError = error
    })
    healthByClient.set(adapter.client, created)
    health = created
  }
  return health
}

/** Runs a script by SHA, with the source only when Redis lacks it. */
export async function runScript(send: Send, lua: RedisScript, keys: string[], args: string[]): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args]
  try {
    return await send(keys[0], ['EVALSHA', lua.sha, ...tail])
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return send(keys[0], ['EVAL', lua.source, ...tail])
  }
}

/** A bulk-string reply as text (a client configured to map replies to Buffers included). */
export function text(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply)
}
