import { IncomingMessage, ServerResponse } from 'node:http'
import { Duplex } from 'node:stream'
import type { Listener } from './scenario'

/**
 * A socket that takes whatever a response writes and drops it: the response still goes through Node's
 * HTTP serialisation and finishes as it would on a network socket, without the kernel in the measurement.
 */
class NullSocket extends Duplex {
  readonly remoteAddress = '127.0.0.1'
  readonly remotePort = 50_000
  readonly encrypted = false

  override _read(): void {}

  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback()
  }
}

/** What one in-process request answered. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | number | undefined>
}

const sockets: NullSocket[] = []

/**
 * Sends one request through an app's whole Express stack in this process: a fresh `IncomingMessage` and
 * `ServerResponse` each time, as Node's HTTP server makes them, and resolves when the response finished.
 */
export function invoke(app: Listener, method: string, url: string, headers: Record<string, string>): Promise<Answer> {
  const socket = sockets.pop() ?? new NullSocket()
  const request = new IncomingMessage(socket as never)
  request.method = method
  request.url = url
  request.headers = headers
  request.httpVersionMajor = 1
  request.httpVersionMinor = 1
  request.httpVersion = '1.1'
  request.complete = true
  request.push(null)
  const response = new ServerResponse(request)
  response.assignSocket(socket as never)
  return new Promise((resolve, reject) => {
    response.once('finish', () => {
      response.detachSocket(socket as never)
      sockets.push(socket)
      resolve({ status: response.statusCode, headers: response.getHeaders() })
    })
    app(request as never, response as never, (error?: unknown) => reject(error ?? new Error('no route answered')))
  })
}

/** What a batch took: wall time, and this process's CPU time (every thread, user and system), in microseconds. */
export interface BatchTime {
  wallMicros: number
  cpuMicros: number
}

/** Runs `count` requests, at most `concurrency` at a time, and resolves with the time they took. */
export async function batch(
  send: () => Promise<Answer>,
  count: number,
  concurrency: number,
  expected: number
): Promise<BatchTime> {
  let sent = 0
  let failure: Error | undefined
  const worker = async (): Promise<void> => {
    while (sent < count && !failure) {
      sent++
      const { status } = await send()
      if (status !== expected) failure = new Error(`expected ${expected}, answered ${status}`)
    }
  }
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  const wallMicros = Number(process.hrtime.bigint() - started) / 1_000
  const { user, system } = process.cpuUsage(cpu)
  if (failure) throw failure
  return { wallMicros, cpuMicros: user + system }
}
