import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { track } from './processes'

/** A redis-server the harness started for itself. */
export interface RedisServer {
  port: number
  pid: number | undefined
  version: string
  stop(): Promise<void>
}

const READY_TIMEOUT_MS = 10_000
const POLL_INTERVAL_MS = 50

/** Whether a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    socket.setTimeout(500, () => socket.destroy())
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      reply += data.toString()
      if (reply.includes('\r\n')) socket.end()
    })
    socket.on('close', () => resolve(reply.startsWith('+PONG')))
    socket.on('error', () => undefined)
  })
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`)
    if (await ping(port)) return
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
  throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms`)
}

/**
 * Starts a private redis-server on a free loopback port (never the machine's own 6379), without
 * persistence, and waits until it answers PING.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version']).stdout.toString())?.[1] ?? 'unknown'
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-redis-'))
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
    const child = track(spawn('redis-server', [...args, '--loglevel', 'warning'], { stdio: 'ignore' }))
    try {
      await waitForPing(port, child)
    } catch (error) {
      child.kill('SIGKILL')
      // Another process may have taken the port between the probe and the start: try another.
      if (attempt < 3) continue
      throw error
    }
    return {
      port,
      pid: child.pid,
      version,
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve))
          child.kill('SIGTERM')
          await exited
        }
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
