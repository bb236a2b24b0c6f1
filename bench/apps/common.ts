import expressFive from 'express'
import type { Express, NextFunction, Request, Response } from 'express'
import { fromBench } from '../lib/deps'
import type { BenchApp, Credential, Listener } from '../lib/scenario'

/** Which Express an app runs on: 5, the root's, for every row not marked Express 4; 4 from bench/node_modules for the original package (and its rows' Express 4 baseline). */
export type ExpressMajor = 4 | 5

/** A new app of that Express. */
export function createExpress(major: ExpressMajor): Express {
  // Loaded when first used, so that the scenario registry can be read before bench/'s dependencies are installed.
  return major === 4 ? fromBench<typeof import('express')>('express')() : expressFive()
}

/** Wraps an async handler so that Express 4 sees its failures too. */
export function route(handler: (request: Request, response: Response) => Promise<void>) {
  return (request: Request, response: Response, next: NextFunction): void => {
    handler(request, response).catch(next)
  }
}

/** A BenchApp over an Express app. */
export function benchApp(
  app: Express,
  credential: Credential,
  release: () => Promise<void> = async () => undefined
): BenchApp {
  return { app: app as unknown as Listener, credential, release }
}

let logins = 0

/** A new user id for each log in, so that no per-user cap or index grows with the run. */
export function nextUser(): string {
  return `user-${++logins}`
}
