import { join } from 'node:path'
import { AppProcess, ROOT } from './appProcess'

/** The client an app process builds, and the topology it reaches. */
export interface AppClient {
  kind: 'node-redis-sentinel' | 'ioredis-sentinel' | 'node-redis-cluster' | 'ioredis-cluster'
  nodes: { host: string; port: number }[]
  /** The master name, for Sentinel. */
  name?: string
}

/** An app instance in its own process: express, the session middleware, a RedisEngine over `client`. */
function appSource(client: AppClient, replicas: number): string {
  const config = JSON.stringify(client)
  return `
    const express = require('express')
    const { session, authenticateRequest } = require(${JSON.stringify(join(ROOT, 'src/index.ts'))})
    const { RedisEngine } = require(${JSON.stringify(join(ROOT, 'src/redis.ts'))})
    const config = ${config}
    function createClient() {
      if (config.kind === 'node-redis-sentinel') {
        return require('redis').createSentinel({ name: config.name, sentinelRootNodes: config.nodes })
      }
      if (config.kind === 'node-redis-cluster') {
        return require('redis').createCluster({
          rootNodes: config.nodes.map((node) => ({ url: 'redis://' + node.host + ':' + node.port }))
        })
      }
      const IoRedis = require('ioredis')
      if (config.kind === 'ioredis-sentinel') return new IoRedis({ sentinels: config.nodes, name: config.name })
      return new IoRedis.Cluster(config.nodes)
    }
    const client = createClient()
    client.on('error', () => undefined)
    const app = express()
    app.use(session({ engine: new RedisEngine({ client, replicas: ${replicas} }) }))
    app.post('/login/:userId', async (req, res, next) => {
      try {
        await req.session.logIn(req.params.userId)
        res.json({ token: req.session.token })
      } catch (error) {
        next(error)
      }
    })
    app.get('/me', authenticateRequest, (req, res) => res.json({ userId: req.session.authenticatableId }))
    app.use((error, req, res, next) => res.status(error.status ?? 500).json({ error: error.name }))
    Promise.resolve(client.connect && client.status !== 'connecting' && client.status !== 'connect' ? client.connect() : undefined)
      .catch(() => undefined)
      .then(() => {
        const server = app.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port))
      })
  `
}

/** One app process of a failover run, with what it was built with. */
export class FailoverApp {
  private constructor(
    private readonly app: AppProcess,
    readonly label: string
  ) {}

  static async start(client: AppClient, replicas: number): Promise<FailoverApp> {
    return new FailoverApp(await AppProcess.start(appSource(client, replicas)), `${client.kind}, replicas ${replicas}`)
  }

  get url(): string {
    return this.app.url
  }

  stop(): void {
    this.app.child.kill('SIGKILL')
  }
}

/** One request's outcome: `status` 0 when no answer came within the hang limit. */
export interface Outcome {
  at: number
  status: number
  /** For a 200 on /me: whether the session was the expected user's. */
  rightUser?: boolean
  token?: string
}

/** How long a request may take before it counts as hung. */
const HANG_MS = 5_000

/** Logs `userId` in through `app`. */
export async function logIn(app: FailoverApp, userId: string): Promise<Outcome> {
  const at = Date.now()
  try {
    const response = await fetch(`${app.url}/login/${userId}`, { method: 'POST', signal: AbortSignal.timeout(HANG_MS) })
    const body = (await response.json()) as { token?: string }
    return { at, status: response.status, token: body.token }
  } catch {
    return { at, status: 0 }
  }
}

/** Asks `app` who holds `token`. */
export async function whoAmI(app: FailoverApp, token: string, userId: string): Promise<Outcome> {
  const at = Date.now()
  try {
    const response = await fetch(`${app.url}/me`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(HANG_MS)
    })
    const body = (await response.json()) as { userId?: string }
    return { at, status: response.status, rightUser: response.status === 200 ? body.userId === userId : undefined }
  } catch {
    return { at, status: 0 }
  }
}

/** A user logged in before the failover, with the token a durable log in returned. */
export interface Durable {
  userId: string
  token: string
}

/** What a failover run saw, and the figures the README reports. */
export interface FailoverReport {
  outcomes: Outcome[]
  /** From the kill to the last request that failed, ms. */
  outageMs: number
  /** Log ins acknowledged without WAIT during the run, and those of them lost. */
  fastLogIns: number
  fastLost: number
}

/**
 * Sends requests from `workers` loops through every app while `kill` takes the master down, until a
 * sweep of every durable session through every app answers 200; then checks the sessions the fast
 * (no WAIT) app acknowledged meanwhile.
 */
export async function runUnderLoad(options: {
  apps: FailoverApp[]
  fastApp: FailoverApp
  users: Durable[]
  kill: () => Promise<void>
  workers?: number
}): Promise<FailoverReport> {
  const { apps, fastApp, users } = options
  const outcomes: Outcome[] = []
  const fast: Durable[] = []
  let stop = false
  let fastSequence = 0

  const worker = async (number: number) => {
    for (let request = number; !stop; request++) {
      const user = users[request % users.length]
      outcomes.push(await whoAmI(apps[request % apps.length], user.token, user.userId))
    }
  }
  const fastLogger = async () => {
    while (!stop) {
      const userId = `fast-${(fastSequence += 1)}`
      const outcome = await logIn(fastApp, userId)
      outcomes.push({ ...outcome, token: undefined })
      if (outcome.status === 200 && outcome.token) fast.push({ userId, token: outcome.token })
    }
  }
  const sweep = async () => {
    const results = await Promise.all(apps.flatMap((app) => users.map((user) => whoAmI(app, user.token, user.userId))))
    outcomes.push(...results)
    return results.every((outcome) => outcome.status === 200)
  }
  const load = Promise.all([...Array.from({ length: options.workers ?? 6 }, (_, n) => worker(n)), fastLogger()])
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const killedAt = Date.now()
  await options.kill()
  const deadline = Date.now() + 60_000
  try {
    while (!(await sweep())) {
      if (Date.now() > deadline) throw new Error('service did not come back within 60 s of the kill')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // Load goes on a little after the first clean sweep, to see that service stays up.
    await new Promise((resolve) => setTimeout(resolve, 500))
  } finally {
    stop = true
    await load
  }
  const failures = outcomes.filter((outcome) => outcome.status !== 200)
  const lastFailure = Math.max(killedAt, ...failures.map((outcome) => outcome.at))
  const fastStatuses = await Promise.all(fast.map((user) => whoAmI(fastApp, user.token, user.userId)))
  return {
    outcomes,
    outageMs: lastFailure - killedAt,
    fastLogIns: fast.length,
    fastLost: fastStatuses.filter((outcome) => outcome.status !== 200).length
  }
}

/** Mean milliseconds of `count` log ins in a row through `app`. */
export async function meanLogInMs(app: FailoverApp, count: number, prefix: string): Promise<number> {
  const started = process.hrtime.bigint()
  for (let position = 0; position < count; position++) {
    const outcome = await logIn(app, `${prefix}-${position}`)
    if (outcome.status !== 200) throw new Error(`log in answered ${outcome.status}`)
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / count
}
