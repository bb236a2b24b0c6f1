// Where the features meet, with two app processes on one engine over HTTP: SQLite, PostgreSQL, and Redis
// standalone (node-redis, with and without localCache), Cluster (3 masters, node-redis) and Sentinel
// (1 master, 1 replica, 3 sentinels, ioredis). Data, access tracking, renewal, the cap,
// logOutOthers/logOutAll and Redis's localCache, hostile values included. Nothing written is lost; nothing
// ended comes back. The shipped conformance suite runs the same matrix in one process over every engine's
// own test file; this one adds the processes and the rounds.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppProcess, ROOT } from '../support/appProcess'
import { PostgresServer, requirePostgresServer } from '../support/postgresServer'
import { RedisCluster, RedisServer, requireRedisServer } from '../support/redisServer'
import { MASTER_NAME, SentinelTopology } from '../support/redisSentinel'

/** One app instance, reached over HTTP. */
interface Instance {
  fetch(path: string, init?: RequestInit): Promise<Response>
}

/** Two instances on one engine, and how to take them down. */
interface Deployment {
  a: Instance
  b: Instance
  /**
   * The cap is atomic per key only (Redis Cluster's): a log in racing uses of the others may spare each
   * of them once, until the user's next log in (docs/redis.md, "setCapped on a cluster").
   */
  capPerKey?: true
  stop(): Promise<void>
}

const ROUNDS = 1_000
const POLLERS = 3
const SWEEP_ROUNDS = 10

/** Two processes on the engine `engineSource` builds (JavaScript defining `engine`). */
async function twoProcesses(engineSource: string, stopStore: () => Promise<void>): Promise<Deployment> {
  const source = `
    const { featuresApp } = require(${JSON.stringify(join(ROOT, 'tests/support/featuresApp.ts'))})
    ${engineSource}
    Promise.resolve(engine.prepare && engine.prepare()).then(() => {
      const server = featuresApp(engine).listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port))
    })
  `
  const [a, b] = await Promise.all([AppProcess.start(source), AppProcess.start(source)])
  return {
    a,
    b,
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
      await stopStore()
    }
  }
}

const redisEngineModule = JSON.stringify(join(ROOT, 'src/redis.ts'))

const redisSource = (port: number, extra = '') =>
  `const { RedisEngine } = require(${redisEngineModule})
   const engine = new RedisEngine({ port: ${port}${extra} })`

// MemoryEngine serves one process only: its two instances meet in the shipped conformance suite
// (tests/engines/memoryEngine.test.ts, 1,000 rounds), over the same core, without HTTP in between.
const deployments: Array<[string, () => Promise<Deployment>]> = [
  [
    'SQLite (two processes on one file)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'esr-features-'))
      const filename = join(dir, 'sessions.db')
      return twoProcesses(
        `const { SqliteEngine } = require(${JSON.stringify(join(ROOT, 'src/sqlite.ts'))})
         const engine = new SqliteEngine({ filename: ${JSON.stringify(filename)} })`,
        async () => rmSync(dir, { recursive: true, force: true })
      )
    }
  ]
]
if (requireRedisServer()) {
  deployments.push(
    [
      'Redis (two processes)',
      async () => {
        const server = await RedisServer.start()
        return twoProcesses(redisSource(server.port), () => server.stop())
      }
    ],
    [
      'Redis with localCache (two processes)',
      async () => {
        const server = await RedisServer.start()
        return twoProcesses(redisSource(server.port, ', localCache: { maxEntries: 1000 }'), () => server.stop())
      }
    ],
    [
      'Redis Cluster (two processes)',
      async () => {
        const cluster = await RedisCluster.start()
        const deployment = await twoProcesses(
          `const { createCluster } = require('redis')
           const { RedisEngine } = require(${redisEngineModule})
           const engine = new RedisEngine({ client: createCluster({ rootNodes: ${JSON.stringify(cluster.rootNodes)} }) })`,
          () => cluster.stop()
        )
        return { ...deployment, capPerKey: true }
      }
    ],
    [
      'Redis Sentinel with ioredis (two processes)',
      async () => {
        const topology = await SentinelTopology.start()
        return twoProcesses(
          `const Redis = require('ioredis')
           const { RedisEngine } = require(${redisEngineModule})
           const client = new Redis({ sentinels: ${JSON.stringify(topology.sentinelNodes)}, name: ${JSON.stringify(MASTER_NAME)} })
           const engine = new RedisEngine({ client })`,
          () => topology.stop()
        )
      }
    ]
  )
}
if (requirePostgresServer()) {
  deployments.push([
    'PostgreSQL (two processes)',
    async () => {
      const server = await PostgresServer.start()
      return twoProcesses(
        `const { PostgresEngine } = require(${JSON.stringify(join(ROOT, 'src/postgres.ts'))})
         const engine = new PostgresEngine({ connectionString: ${JSON.stringify(server.connectionString)} })`,
        () => server.destroy()
      )
    }
  ])
}

interface Loaded {
  authenticated: boolean
  data: Record<string, unknown>
  deviceId: string | null
  expiresAt: string | null
}

interface Answer<T> {
  status: number
  body: T
}

async function call<T>(instance: Instance, path: string, token?: string, body?: unknown): Promise<Answer<T>> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  let payload: string | undefined
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = typeof body === 'string' ? body : JSON.stringify(body)
  }
  const method = body === undefined && !/logout|login/.test(path) ? 'GET' : 'POST'
  const response = await instance.fetch(path, { method, headers, body: payload })
  const text = await response.text()
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T }
}

async function logIn(instance: Instance, userId: string, data?: unknown): Promise<string> {
  const answer = await call<{ token: string }>(
    instance,
    `/login/${userId}`,
    undefined,
    data === undefined ? {} : { data }
  )
  expect(answer.status).toBe(200)
  return answer.body.token
}

const me = (instance: Instance, token: string) => call<Loaded>(instance, '/me', token)

/** Requests `/me` with each token on `instance`, over and over, until `stop()` is called; resolves the statuses seen. */
function pollWhile(instance: Instance, tokens: string[]): { stop: () => Promise<number[]> } {
  let polling = true
  const statuses: number[] = []
  const loops = tokens.map(async (token) => {
    while (polling) statuses.push((await me(instance, token)).status)
  })
  return {
    stop: async () => {
      polling = false
      await Promise.all(loops)
      return statuses
    }
  }
}

describe.each(deployments)('features meeting on %s', (name, deploy) => {
  let a: Instance
  let b: Instance
  let deployment: Deployment | undefined
  beforeAll(async () => {
    deployment = await deploy()
    ;({ a, b } = deployment)
  }, 60_000)
  afterAll(() => deployment?.stop())

  // The bound is for a loaded machine, not a speed claim: the rounds are what this test is about.
  it(`loses no update over ${ROUNDS} rounds: one instance polls with tracking, the other sets and removes a key`, async () => {
    const token = await logIn(b, 'poller', { base: 1 })
    const initial = (await me(a, token)).body
    const pollers = Array.from({ length: POLLERS }, () => pollWhile(a, [token]))
    const figures = { rounds: 0, lostRemovals: 0, lostSets: 0, unapplied: 0, renewed: false }
    // Until the rounds are done and the session was renewed at least once (past half the idle timeout).
    while (figures.rounds < ROUNDS || !figures.renewed) {
      const round = figures.rounds
      const set = (await call<{ applied: boolean; before: Loaded }>(b, '/data', token, { patch: { elevated: round } }))
        .body
      if (set.applied !== true) figures.unapplied++
      if (Object.hasOwn(set.before.data, 'elevated')) figures.lostRemovals++
      const removal = (await call<{ applied: boolean; before: Loaded }>(b, '/data', token, { remove: ['elevated'] }))
        .body
      if (removal.applied !== true) figures.unapplied++
      if (removal.before.data.elevated !== round) figures.lostSets++
      if (Date.parse(removal.before.expiresAt!) > Date.parse(initial.expiresAt!)) figures.renewed = true
      figures.rounds++
    }
    const polled = (await Promise.all(pollers.map((poller) => poller.stop()))).flat()
    const final = (await me(a, token)).body
    if (process.env.FEATURES_MEET_REPORT)
      process.stdout.write(`${name}: ${JSON.stringify({ ...figures, polls: polled.length })}\n`)
    expect({ ...figures, rounds: figures.rounds >= ROUNDS }).toEqual({
      rounds: true,
      lostRemovals: 0,
      lostSets: 0,
      unapplied: 0,
      renewed: true
    })
    expect(polled.every((status) => status === 200)).toBe(true)
    expect(final.data).toEqual({ base: 1 })
  }, 180_000)

  it('keeps a device id and data written at once by two instances while both track access', async () => {
    const token = await logIn(a, 'device-user')
    const pollers = [pollWhile(a, [token]), pollWhile(b, [token])]
    const answers = await Promise.all([
      call<{ applied: boolean }>(b, '/device', token, { deviceId: 'tablet' }),
      call<{ applied: boolean }>(a, '/data', token, { patch: { org: 'acme' } }),
      call<{ applied: boolean }>(b, '/data', token, { patch: { plan: 'pro' } })
    ])
    await Promise.all(pollers.map((poller) => poller.stop()))
    expect(answers.map((answer) => answer.body.applied)).toEqual([true, true, true])
    for (const instance of [a, b]) {
      expect((await me(instance, token)).body).toMatchObject({ deviceId: 'tablet', data: { org: 'acme', plan: 'pro' } })
    }
  })

  it('never brings back a session logOutOthers() ended while the other instance was tracking it', async () => {
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const user = `others-${round}`
      const keeper = await logIn(b, user)
      const ended = [await logIn(a, user), await logIn(b, user)]
      const pollers = pollWhile(a, ended)
      await new Promise((resolve) => setImmediate(resolve))
      expect((await call(b, '/logout-others', keeper)).status).toBe(200)
      await pollers.stop()
      for (const instance of [a, b]) {
        for (const token of ended) expect((await me(instance, token)).status).toBe(401)
        expect((await call<number>(instance, '/sessions', keeper)).body).toBe(1)
      }
    }
  })

  it('never brings back a session logOutAll() ended while the other instance was tracking it', async () => {
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const user = `all-${round}`
      const tokens = [await logIn(a, user), await logIn(b, user), await logIn(a, user)]
      const pollers = pollWhile(a, tokens)
      await new Promise((resolve) => setImmediate(resolve))
      expect((await call(b, '/logout-all', tokens[1])).status).toBe(200)
      await pollers.stop()
      for (const instance of [a, b]) {
        for (const token of tokens) expect((await me(instance, token)).status).toBe(401)
      }
    }
  })

  it('never brings back a session the cap ended while the other instance was tracking it', async () => {
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const user = `capped-${round}`
      const early = [await logIn(a, user), await logIn(b, user), await logIn(a, user)]
      const pollers = pollWhile(a, early)
      const late = [await logIn(b, user), await logIn(b, user)]
      await pollers.stop()
      const liveOn = async (instance: Instance) => {
        const live: string[] = []
        for (const token of [...early, ...late]) if ((await me(instance, token)).status === 200) live.push(token)
        return live
      }
      if (deployment?.capPerKey) {
        // Each session used during the log ins may be spared once, never more; the next log in, alone, caps them.
        expect((await liveOn(b)).length).toBeLessThanOrEqual(3 + early.length)
        late.push(await logIn(b, user))
      }
      const newest = late[late.length - 1]
      const live = await liveOn(b)
      expect(live.length).toBeGreaterThan(0)
      expect(live.length).toBeLessThanOrEqual(3)
      expect(live).toContain(newest)
      // A second look from both instances: what the cap ended stays ended, tracked or not.
      for (const instance of [a, b]) {
        for (const token of [...early, ...late])
          expect((await me(instance, token)).status).toBe(live.includes(token) ? 200 : 401)
        expect((await call<number>(instance, '/sessions', newest)).body).toBe(live.length)
      }
    }
  })

  describe('hostile values', () => {
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)

    it.each([
      ['JSON 20,000 levels deep', `{"patch":{"deep":${deep(20_000)}}}`, /nested deeper than 64 levels/],
      ['a lone surrogate', '{"patch":{"name":"x\\ud800"}}', /lone UTF-16 surrogate/],
      ['a nested "__proto__" key', '{"patch":{"a":{"__proto__":{"polluted":true}}}}', /"__proto__"/]
    ])(
      'refuses %s with a TypeError on one instance, and the other sees the data unchanged',
      async (_case, body, message) => {
        const token = await logIn(a, 'hostile', { kept: true })
        const refused = await call<{ name: string; error: string }>(b, '/data', token, body)
        expect(refused.status).toBe(400)
        expect(refused.body.error).toMatch(message)
        expect((await me(a, token)).body.data).toEqual({ kept: true })
      }
    )

    it('keeps a NUL character and a surrogate pair exactly, across instances', async () => {
      const token = await logIn(a, 'nul', { note: 'a\u0000b' })
      expect(
        (await call<{ applied: boolean }>(b, '/data', token, { patch: { emoji: '😀', nested: { z: '\u0000' } } })).body
          .applied
      ).toBe(true)
      for (const instance of [a, b]) {
        expect((await me(instance, token)).body.data).toEqual({
          note: 'a\u0000b',
          emoji: '😀',
          nested: { z: '\u0000' }
        })
      }
    })

    it('refuses a device id with a lone surrogate, keeping the one stored', async () => {
      const token = await logIn(a, 'hostile-device')
      expect((await call(b, '/device', token, { deviceId: 'phone' })).status).toBe(200)
      expect((await call(b, '/device', token, '{"deviceId":"ph\\udc00"}')).status).toBe(400)
      expect((await me(a, token)).body.deviceId).toBe('phone')
    })
  })
})
