import type { Express, NextFunction, Request, Response } from 'express'
import type { AddressInfo } from 'node:net'
import { benchVersion, fromBench } from '../lib/deps'

/**
 * Express 4 from bench/node_modules, for every server alike: the original library needs Express 4, and
 * the comparison is fair only when the framework under each session layer is the same.
 */
export const express = fromBench<typeof import('express')>('express')

/** The server's CPU time so far, in microseconds (user + system), sent when the harness asks with `{ type: 'cpu' }`. */
export interface ServerCpu {
  type: 'cpu'
  micros: number
}

/** What a server tells the harness once it listens. */
export interface ServerReady {
  type: 'ready'
  port: number
  express: string
  preloaded: number
}

/** How many sessions the harness asked this server to hold before it listens (memory stores only). */
export function sessionsToPreload(): number {
  return Number(process.env.BENCH_SESSIONS ?? 0)
}

/** The port of the harness's own redis-server. */
export function redisPort(): number {
  const port = Number(process.env.BENCH_REDIS_PORT)
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_REDIS_PORT is not set')
  return port
}

/** Wraps an async handler so that Express 4 sees its failures. */
export function route(handler: (request: Request, response: Response) => Promise<void>) {
  return (request: Request, response: Response, next: NextFunction): void => {
    handler(request, response).catch(next)
  }
}

/**
 * Listens on a free loopback port and reports it to the harness. SIGTERM (or the harness going away)
 * exits normally, so that `--cpu-prof` gets to write its profile.
 */
export function listen(app: Express, preloaded: number): void {
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    const ready: ServerReady = { type: 'ready', port, express: benchVersion('express'), preloaded }
    process.send?.(ready)
  })
  const stop = (): void => {
    server.close()
    process.exit(0)
  }
  process.on('message', (message: { type?: string }) => {
    if (message?.type !== 'cpu') return
    const { user, system } = process.cpuUsage()
    const reply: ServerCpu = { type: 'cpu', micros: user + system }
    process.send?.(reply)
  })
  process.on('SIGTERM', stop)
  process.on('disconnect', stop)
}

/** Reports a failure to start and exits. */
export function fail(error: unknown): void {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
}
