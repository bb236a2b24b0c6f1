// localCache over a link that freezes without an error: the cut-off instance stops answering from its
// cache within maxStaleness, so a session revoked elsewhere is refused or 503'd, never accepted later.
//
// The freeze lasts FREEZE_MS (default 3 s); the issue's case is measured with
//   STALENESS_FREEZE_MS=30000 npx jest tests/redis/redisLocalCacheStaleness.test.ts
// which prints the counts the assertions check.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { RedisEngine } from 'express-session-registry/redis'
import { createApp } from '../support/app'
import { Relay } from '../support/relay'
import { describeWithRedis, eventually, RedisServer } from '../support/redisServer'

const FREEZE_MS = Number(process.env.STALENESS_FREEZE_MS ?? 3_000)
const MAX_STALENESS_MS = 1_000
const COMMAND_TIMEOUT_MS = 1_000
// The answer leaves the app after the cache's last hit: the event loop's turn and the HTTP response.
const MARGIN_MS = 250
// A command fails at most one tick (an eighth of commandTimeout) after its deadline.
const DEADLINE_MS = COMMAND_TIMEOUT_MS + COMMAND_TIMEOUT_MS / 8 + 750

/** One answer of the polling instance. */
interface Answer {
  status: number
  sentAt: number
  answeredAt: number
}

/** An HTTP app instance over `engine`, listening on a free port. */
async function listen(engine: RedisEngine): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(createApp(express, { engine }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describeWithRedis('localCache over a frozen link', () => {
  let redis: RedisServer
  let relay: Relay
  let cached: RedisEngine
  let direct: RedisEngine
  let first: { url: string; server: http.Server }
  let second: { url: string; server: http.Server }

  beforeAll(async () => {
    redis = await RedisServer.start()
    relay = await Relay.start(redis.port)
    // The first instance reaches Redis only through the relay: its client and its tracking connection.
    cached = new RedisEngine({
      port: relay.port,
      identifier: 'frozen',
      commandTimeout: COMMAND_TIMEOUT_MS,
      localCache: { maxEntries: 1_000, maxStaleness: MAX_STALENESS_MS }
    })
    direct = new RedisEngine({ port: redis.port, identifier: 'frozen' })
    await Promise.all([cached.prepare(), direct.prepare()])
    await eventually(() => cached.localCache!.tracking)
    ;[first, second] = await Promise.all([listen(cached), listen(direct)])
  })

  afterAll(async () => {
    relay?.thaw()
    for (const app of [first, second]) app?.server.close()
    await Promise.all([cached?.release(), direct?.release()])
    await relay?.close()
    await redis?.stop()
  })

  async function logIn(url: string, userId: string): Promise<string> {
    const response = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId })
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { token: string }).token
  }

  async function me(url: string, token: string): Promise<Answer> {
    const sentAt = Date.now()
    const response = await fetch(`${url}/me`, { headers: { Authorization: `Bearer ${token}` } })
    await response.arrayBuffer()
    return { status: response.status, sentAt, answeredAt: Date.now() }
  }

  it(
    'serves a session revoked elsewhere no later than maxStaleness after the freeze began, and never hangs',
    async () => {
      const token = await logIn(second.url, 'frozen-user')
      // Read twice on the first instance: the second read is a cache hit.
      expect((await me(first.url, token)).status).toBe(200)
      expect((await me(first.url, token)).status).toBe(200)
      expect(cached.localCache!.size).toBe(1)

      const frozenAt = Date.now()
      relay.freeze()
      const logout = await fetch(`${second.url}/logout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` }
      })
      expect(logout.status).toBe(200)
      expect((await me(second.url, token)).status).toBe(401)

      // Four pollers: a request waiting on Redis does not stop the others from reaching the cache.
      const answers: Answer[] = []
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() - frozenAt < FREEZE_MS) answers.push(await me(first.url, token))
        })
      )
      relay.thaw()
      const bound = frozenAt + MAX_STALENESS_MS
      const accepted = answers.filter((answer) => answer.status === 200)
      const late = accepted.filter((answer) => answer.answeredAt > bound)
      const statuses = new Map<number, number>()
      for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1)
      const lastAccepted = Math.max(frozenAt, ...accepted.map((answer) => answer.answeredAt)) - frozenAt
      const slowest = Math.max(...answers.map((answer) => answer.answeredAt - answer.sentAt))
      console.log(
        `frozen ${FREEZE_MS} ms, maxStaleness ${MAX_STALENESS_MS} ms: ${answers.length} answers ` +
          `(${[...statuses].map(([status, count]) => `${count}× ${status}`).join(', ')}); ` +
          `200 within the bound: ${accepted.length - late.length}, after it: ${late.length}; ` +
          `last 200 ${lastAccepted} ms after the freeze began; slowest answer ${slowest} ms`
      )

      expect(late.filter((answer) => answer.answeredAt > bound + MARGIN_MS)).toEqual([])
      expect([...statuses.keys()].filter((status) => ![200, 401, 503].includes(status))).toEqual([])
      // Answered from Redis once the cache was dropped: each within the engine's deadline.
      expect(answers.filter((answer) => answer.answeredAt - answer.sentAt > DEADLINE_MS)).toEqual([])
      expect(statuses.get(503)).toBeGreaterThan(0)

      // Thawed: the first instance tracks again, and refuses the revoked token.
      await eventually(() => cached.localCache!.tracking)
      await eventually(async () => (await me(first.url, token)).status === 401)
      expect((await me(first.url, token)).status).toBe(401)
    },
    FREEZE_MS + 30_000
  )
})
