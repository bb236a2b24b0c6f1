import { createSentinel } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithSentinel, MASTER_NAME, SentinelTopology } from '../support/redisSentinel'

describeWithSentinel('RedisEngine on a node-redis Sentinel client the app did not connect', () => {
  let topology: SentinelTopology
  let sentinel: ReturnType<typeof createSentinel> | undefined

  beforeAll(async () => {
    topology = await SentinelTopology.start()
  }, 60_000)

  afterAll(async () => {
    await sentinel?.close().catch(() => undefined)
    await topology?.stop()
  })

  it('connects it in prepare(), once, and serves sessions through it', async () => {
    sentinel = createSentinel({ name: MASTER_NAME, sentinelRootNodes: topology.sentinelNodes })
    sentinel.on('error', () => undefined)
    const engine = new RedisEngine({ client: sentinel, identifier: 'unconnected' })
    await Promise.all([engine.prepare(), engine.prepare()])
    expect(sentinel.isOpen).toBe(true)
    const token = tokenHash()
    await engine.set(token, 'auth-u', { id: 'x', userId: 'u', expiresAt: Date.now() + 60_000 })
    expect(await engine.get(token)).toMatchObject({ id: 'x' })
    // A client passed in is the app's: release() leaves it open.
    await engine.release()
    expect(sentinel.isOpen).toBe(true)
  })
})
