import assert from 'node:assert/strict'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { SessionEngine } from '../engine'
import { session, type Session, type SessionDataPatch, type SessionOptions } from '../index'
import { subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

/** The options both instances run with: every request tracked, a cap of three, Bearer tokens only. */
const SHARED_OPTIONS = {
  transports: ['bearer'],
  trackSessionAccess: true,
  idleTimeout: 60_000,
  maxSessionsPerUser: 3
} as const satisfies SessionOptions

/** The cap {@link SHARED_OPTIONS} sets. */
export const CAP = SHARED_OPTIONS.maxSessionsPerUser

/** One app instance: its own `session()` context, reached with requests that never touch a network. */
export interface Instance {
  /** The options object its middleware was built from (for the static `Session` calls). */
  readonly options: SessionOptions
  /** Runs one request carrying `token` (as `Authorization: Bearer`) through the middleware; resolves its session. */
  request(token?: string): Promise<Session>
}

/** The two instances of a case, what the engine promises them, and the engines they run on. */
export interface InstancePair {
  /** Tracks access and renews on every request (`maxWriteInterval: 0`). */
  a: Instance
  /** Tracks access, renewing at the default interval: the one that writes in most cases. */
  b: Instance
  /** The engine `a` runs on (the one the runner prepared and cleared). */
  engine: SessionEngine
  /** Whether `b` runs on a second engine of the caller's that shares `engine`'s storage. */
  shared: boolean
  /** The engine has `patch`: field writes never undo each other. */
  atomicFields: boolean
  /** The engine has `patch` or `update`: no write brings back a removed entry. */
  noRevival: boolean
}

// A socket that never connects: the middleware reads headers and the socket's (absent) address only.
function blankExchange(token: string | undefined, ip: string): { request: IncomingMessage; response: ServerResponse } {
  const request = new IncomingMessage(new Socket())
  request.method = 'GET'
  request.url = '/'
  request.headers = { 'user-agent': 'conformance', ...(token ? { authorization: `Bearer ${token}` } : {}) }
  Object.defineProperty(request, 'ip', { value: ip })
  return { request, response: new ServerResponse(request) }
}

function instance(engine: SessionEngine, ip: string, extra: SessionOptions): Instance {
  const options: SessionOptions = { engine, ...SHARED_OPTIONS, ...extra }
  const middleware = session(options)
  return {
    options,
    request: (token) =>
      new Promise((resolve, reject) => {
        const { request, response } = blankExchange(token, ip)
        middleware(request, response, (error) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)))
          else resolve((request as IncomingMessage & { session: Session }).session)
        })
      })
  }
}

/**
 * Whether `other` sees what is written through `engine`: an entry set through one and read through
 * the other. Two engines of one in-process store (a MemoryEngine each) share nothing.
 */
async function sharesStorage(engine: SessionEngine, other: SessionEngine): Promise<boolean> {
  if (other === engine) return true
  const probe = tokenHash('probe')
  await engine.set(probe, 'auth-conformance-probe', subject({ userId: 'conformance-probe' }))
  const seen = Boolean(await other.get(probe))
  await engine.delete(probe, 'auth-conformance-probe')
  return seen
}

/**
 * Registers a case run by two instances: on two engines from the caller's `createEngine` when they
 * share storage (two app processes on one Redis, PostgreSQL or SQLite file), else both on the
 * runner's engine (two apps of one process on a MemoryEngine).
 */
export function pairTest(runner: ConformanceRunner, name: string, body: (pair: InstancePair) => Promise<void>): void {
  runner.test(name, async (engine) => {
    const other = await runner.anotherEngine()
    const shared = other !== engine && (await sharesStorage(engine, other))
    if (!shared && other !== engine) await runner.closeEngine(other)
    try {
      await body({
        a: instance(engine, '198.51.100.1', { maxWriteInterval: 0 }),
        b: instance(shared ? other : engine, '198.51.100.2', {}),
        engine,
        shared,
        atomicFields: typeof engine.patch === 'function',
        noRevival: typeof engine.patch === 'function' || typeof engine.update === 'function'
      })
    } finally {
      if (shared) await runner.closeEngine(other)
    }
  })
}

/** Session data as the suite writes it: any keys (an app's `SessionData` may declare its own). */
export type Data = Record<string, unknown>

/** `patch` typed for `updateData()` and `logIn()`, whatever keys the app's `SessionData` declares. */
export const asPatch = (patch: Data): SessionDataPatch => patch as SessionDataPatch

/** A session's data, read as any keys. */
export const dataOf = (current: Session): Data => current.data as Data

/** Logs `userId` in through `instance` (with `data`, when given) and resolves the new session's token. */
export async function logIn(instance: Instance, userId: string, data?: Data): Promise<string> {
  const current = await instance.request()
  await current.logIn(userId, data === undefined ? undefined : { data: asPatch(data) })
  assert.ok(current.token, `logIn(${JSON.stringify(userId)}) gave no token`)
  return current.token
}

/** Whether `token` stands for a live session on `instance` now. */
export async function isLive(instance: Instance, token: string): Promise<boolean> {
  return (await instance.request(token)).authenticated
}

/** Requests with each token on `instance` over and over until `stop()`; resolves whether each was authenticated. */
export function pollWhile(instance: Instance, tokens: string[]): { stop: () => Promise<boolean[]> } {
  let polling = true
  const seen: boolean[] = []
  const loops = tokens.map(async (token) => {
    while (polling) {
      seen.push(await isLive(instance, token))
      // A synchronous engine answers in microtasks alone: yield, so timers and the other loops run.
      await aTurn()
    }
  })
  return {
    stop: async () => {
      polling = false
      await Promise.all(loops)
      return seen
    }
  }
}

/** One turn of the event loop, so pollers started just before have requests in flight. */
export const aTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
