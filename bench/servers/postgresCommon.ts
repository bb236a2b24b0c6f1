// What the PostgreSQL benchmark's servers share: Express 4 and the libraries from bench/node_modules,
// the database to use, and the way a server reports that it listens. Kept apart from common.ts so the
// PostgreSQL benchmark stands on its own.
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Express, NextFunction, Request, Response } from 'express'

const benchRequire = createRequire(path.resolve(__dirname, '..', 'package.json'))

/** Loads a module installed in bench/node_modules (typed by the caller with the few calls it makes). */
export function fromBench<T>(name: string): T {
  return benchRequire(name) as T
}

/** Express 4 from bench/node_modules, the same under every server. */
export const express = fromBench<typeof import('express')>('express')

/** The secret the harness signs the preloaded express-session cookies with. */
export const COOKIE_SECRET = 'benchmark secret'
/** connect-pg-simple's default table. */
export const CONNECT_PG_TABLE = 'session'
/** How long the preloaded sessions live: 30 days, this library's default idle timeout. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000

/** Connections per server pool: node-postgres's default. */
export const POOL_SIZE = 10

/** The harness's PostgreSQL. */
export function connectionString(): string {
  const url = process.env.BENCH_POSTGRES_URL
  if (!url) throw new Error('BENCH_POSTGRES_URL is not set')
  return url
}

/** Wraps an async handler so that Express 4 sees its failures. */
export function route(handler: (request: Request, response: Response) => Promise<void>) {
  return (request: Request, response: Response, next: NextFunction): void => {
    handler(request, response).catch(next)
  }
}

/** Listens on a free loopback port and tells the harness which; exits when the harness goes away. */
export function listen(app: Express): void {
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port })
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}

/** Reports a failure to start and exits. */
export function fail(error: unknown): void {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
}
