import { type RedisClientLike, RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, eventually, freePort, RedisServer } from '../support/redisServer'

// The app may have node-redis v4 installed as the peer dependency: the engine then creates its client
// with v4's createClient, which has no close()/destroy() and an offline queue of its own.
jest.mock('redis', () => jest.requireActual('redis4'))

const subject = () => ({ id: 'x', userId: 'u', expiresAt: Date.now() + 600_000 })

describeWithRedis('RedisEngine with node-redis v4 as the peer dependency', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await RedisServer.start({ appendonly: true })
  })
  afterAll(() => server?.stop())

  it('creates a v4 client that fails fast while Redis is down, reconnects, and closes', async () => {
    const engine = new RedisEngine({ port: server.port })
    expect(engine.client).not.toHaveProperty('close')
    await engine.connect()
    const token = tokenHash()
    await engine.set(token, 'auth-u', subject())
    expect(await engine.get(token)).toMatchObject({ id: 'x' })

    await server.kill()
    const started = Date.now()
    await expect(engine.get(token)).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(2_000)

    await server.restart()
    await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
    await engine.release()
    expect((engine.client as RedisClientLike).isOpen).toBe(false)
  })

  it('releases a v4 client that is still reconnecting', async () => {
    const engine = new RedisEngine({ port: server.port })
    await engine.prepare()
    await server.kill()
    await expect(engine.get(tokenHash())).rejects.toThrow()
    await engine.release()
    expect((engine.client as RedisClientLike).isOpen).toBe(false)
    await server.restart()
  })

  it('fails prepare() at once when Redis is down at start', async () => {
    const engine = new RedisEngine({ port: await freePort() })
    const started = Date.now()
    await expect(engine.prepare()).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(2_000)
    await engine.release()
    expect((engine.client as RedisClientLike).isOpen).toBe(false)
  })
})
