import net from 'node:net'

/** What one direction of a relayed connection still has to deliver: data, or `null` for its end. */
interface Pending {
  readonly dueAt: number
  readonly chunk: Buffer | null
}

/** One direction of a relayed connection. */
interface Direction {
  readonly to: net.Socket
  readonly queue: Pending[]
}

/**
 * A userspace TCP relay (this kernel has no `netem`) between clients and one port: it forwards each
 * chunk after `delayMs`, in order, and can freeze (connections stay open, new ones are accepted,
 * nothing is forwarded, not even a close: a hung proxy, a partition) and thaw (everything held is
 * delivered, as TCP retransmission would once the partition heals).
 */
export class Relay {
  /** Milliseconds each chunk is held before it is forwarded, each way. */
  delayMs: number
  private frozen = false
  private readonly directions = new Set<Direction>()
  private readonly sockets = new Set<net.Socket>()
  private timer: NodeJS.Timeout | undefined

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    delayMs: number
  ) {
    this.delayMs = delayMs
  }

  /** Starts relaying a free local port to `targetPort` on `targetHost`. */
  static async start(targetPort: number, options: { delayMs?: number; targetHost?: string } = {}): Promise<Relay> {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const relay = new Relay(server, (server.address() as net.AddressInfo).port, options.delayMs ?? 0)
    server.on('connection', (client) => relay.accept(client, targetPort, options.targetHost ?? '127.0.0.1'))
    return relay
  }

  /** Stops forwarding, keeping every connection open. */
  freeze(): void {
    this.frozen = true
  }

  /** Forwards again, what was held first. */
  thaw(): void {
    this.frozen = false
    this.pump()
  }

  /** Drops every connection at once, as a crashed proxy would. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  /** Closes the relay and every connection through it. */
  async close(): Promise<void> {
    clearTimeout(this.timer)
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: net.Socket, targetPort: number, targetHost: string): void {
    const upstream = net.connect(targetPort, targetHost)
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true)
      this.sockets.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => this.sockets.delete(socket))
    }
    this.relayFrom(client, upstream)
    this.relayFrom(upstream, client)
  }

  private relayFrom(from: net.Socket, to: net.Socket): void {
    const direction: Direction = { to, queue: [] }
    this.directions.add(direction)
    const hold = (chunk: Buffer | null) => {
      direction.queue.push({ dueAt: Date.now() + this.delayMs, chunk })
      this.pump()
    }
    from.on('data', (chunk: Buffer) => hold(chunk))
    from.on('close', () => hold(null))
  }

  private pump(): void {
    if (this.frozen) return
    const now = Date.now()
    let next = Infinity
    for (const direction of this.directions) {
      const { queue, to } = direction
      while (queue.length > 0 && queue[0].dueAt <= now) {
        const { chunk } = queue.shift()!
        if (chunk === null) {
          to.end()
          this.directions.delete(direction)
          break
        }
        if (!to.destroyed) to.write(chunk)
      }
      if (queue.length > 0) next = Math.min(next, queue[0].dueAt)
    }
    if (next === Infinity) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()))
  }
}
