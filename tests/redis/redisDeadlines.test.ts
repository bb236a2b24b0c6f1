import { RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, eventually, RedisServer } from '../support/redisServer'

const TIMEOUT_MS = 300
// What a failure may take beyond its deadline on a busy machine: a bound, not a speed.
const SLACK_MS = 1_000

/** Settles `operation`, expecting it to reject, and resolves how long after `started` it did. */
async function rejectedAfter(operation: Promise<unknown>, started: number): Promise<number> {
  await expect(operation).rejects.toThrow(`Redis did not answer within ${TIMEOUT_MS} ms`)
  return Date.now() - started
}

describeWithRedis('RedisEngine deadlines while Redis is silent', () => {
  let server: RedisServer
  let engine: RedisEngine

  beforeAll(async () => {
    server = await RedisServer.start()
    engine = new RedisEngine({ port: server.port, commandTimeout: TIMEOUT_MS })
    await engine.prepare()
  })

  afterAll(async () => {
    await engine?.release()
    await server?.stop()
  })

  it('gives each command its own full commandTimeout, not the deadline of one sent before it', async () => {
    const token = tokenHash()
    await engine.set(token, 'auth-u', { id: 'x', userId: 'u', expiresAt: Date.now() + 600_000 })
    server.pause()
    try {
      const firstStarted = Date.now()
      const first = rejectedAfter(engine.get(token), firstStarted)
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS / 2))
      const secondStarted = Date.now()
      const second = rejectedAfter(engine.get(token), secondStarted)
      const [firstTook, secondTook] = await Promise.all([first, second])
      for (const took of [firstTook, secondTook]) {
        expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS)
        expect(took).toBeLessThan(TIMEOUT_MS + SLACK_MS)
      }
    } finally {
      server.resume()
    }
    await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
  })
})
