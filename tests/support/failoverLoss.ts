import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { RedisEngine } from 'express-session-registry/redis'
import { createApp } from './app'
import { eventually } from './redisServer'

/** An HTTP app instance over one engine, listening on a free port. */
export class LossApp {
  private constructor(
    readonly engine: RedisEngine,
    readonly url: string,
    private readonly server: http.Server
  ) {}

  static async start(engine: RedisEngine): Promise<LossApp> {
    const server = http.createServer(createApp(express, { engine }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return new LossApp(engine, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server)
  }

  /** `POST /login` for `userId`: the status, and the token of a 200. */
  async logIn(userId: string): Promise<{ status: number; token?: string }> {
    const response = await request(`${this.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId })
    })
    const body = response.status === 200 ? ((await response.json()) as { token: string }) : undefined
    return { status: response.status, token: body?.token }
  }

  /** `POST /logout` with `token`: the status. */
  async logOut(token: string): Promise<number> {
    const response = await request(`${this.url}/logout`, { method: 'POST', headers: auth(token) })
    await response.arrayBuffer()
    return response.status
  }

  /** `GET /me` with `token`: the status (0 when no answer came in time). */
  async me(token: string): Promise<number> {
    const response = await request(`${this.url}/me`, { headers: auth(token) })
    await response.arrayBuffer()
    return response.status
  }

  close(): void {
    this.server.close()
  }
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` })

/** A request that gives up after 10 s with a status of 0: a hang is an outcome, not a stuck test. */
async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
  } catch {
    return new Response(null, { status: 599 })
  }
}

/** A log in or log out the app answered 200: `at`, when the answer arrived. */
export interface Acknowledged {
  token: string
  at: number
}

/** What one instance had acknowledged when the master died. */
export interface Ledger {
  /** Log ins acknowledged and not logged out since. */
  logIns: Acknowledged[]
  /** Log outs acknowledged: each token must never authenticate again. */
  logOuts: Acknowledged[]
}

/**
 * Runs `workers` loops on `app` until `stopped()`: each logs a new user in, and every second round
 * logs out its oldest session still live (logged in long enough before to be on the replica, so that
 * a lost log out shows as a session that authenticates again). Only answers of 200 are recorded: a
 * 503 acknowledged nothing.
 */
export async function writeUntil(
  app: LossApp,
  label: string,
  workers: number,
  stopped: () => boolean
): Promise<Ledger> {
  const ledger: Ledger = { logIns: [], logOuts: [] }
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const live: Acknowledged[] = []
      for (let round = 0; !stopped(); round++) {
        const { status, token } = await app.logIn(`${label}-${worker}-${round}`)
        if (status === 200) live.push({ token: token!, at: Date.now() })
        if (round % 2 === 1 && live.length > 1 && !stopped()) {
          const oldest = live.shift()!
          const outcome = await app.logOut(oldest.token)
          // A log out that failed may or may not have happened: it counts for neither.
          if (outcome === 200) ledger.logOuts.push({ token: oldest.token, at: Date.now() })
        }
      }
      ledger.logIns.push(...live)
    })
  )
  return ledger
}

/** What survived a failover of what an instance acknowledged before it. */
export interface Audit {
  logIns: number
  lostLogIns: Acknowledged[]
  logOuts: number
  /** Log outs undone: the token authenticates again on the new master. */
  lostLogOuts: Acknowledged[]
}

/** Asks `app` about every token of `ledger`, retrying a 503 until the topology serves it. */
export async function audit(app: LossApp, ledger: Ledger): Promise<Audit> {
  const statusOf = async (token: string): Promise<number> => {
    let status = 0
    await eventually(async () => {
      status = await app.me(token)
      return status === 200 || status === 401
    }, 30_000)
    return status
  }
  const lostLogIns: Acknowledged[] = []
  const lostLogOuts: Acknowledged[] = []
  const queue = [
    ...ledger.logIns.map((entry) => async () => {
      if ((await statusOf(entry.token)) !== 200) lostLogIns.push(entry)
    }),
    ...ledger.logOuts.map((entry) => async () => {
      if ((await statusOf(entry.token)) !== 401) lostLogOuts.push(entry)
    })
  ]
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await next()
    })
  )
  return { logIns: ledger.logIns.length, lostLogIns, logOuts: ledger.logOuts.length, lostLogOuts }
}

const offset = (ms: number) => (ms < 0 ? `${-ms} ms before` : `${ms} ms after`)

/** `audit` in words, with the window: from the earliest lost write's acknowledgement to the kill. */
export function describeAudit(label: string, result: Audit, killedAt: number): string {
  const lost = [...result.lostLogIns, ...result.lostLogOuts].map((entry) => entry.at - killedAt)
  const window =
    lost.length === 0
      ? 'none lost'
      : `the lost ones acknowledged from ${offset(Math.min(...lost))} to ${offset(Math.max(...lost))} the kill`
  return (
    `${label}: ${result.lostLogIns.length} of ${result.logIns} acknowledged log ins lost, ` +
    `${result.lostLogOuts.length} of ${result.logOuts} acknowledged log outs undone (${window})`
  )
}
