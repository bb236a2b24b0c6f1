import { type RedisClientLike, RedisEngine } from 'express-session-registry/redis'
import { tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, eventually, freePort, RedisServer } from '../support/redisServer'

const subject = () => ({ id: 'x', userId: 'u', expiresAt: Date.now() + 600_000 })

/** Runs `operation` and returns how long it took to settle, expecting it to reject. */
async function rejectionTime(operation: () => Promise<unknown>): Promise<number> {
  const started = Date.now()
  await expect(operation()).rejects.toThrow()
  return Date.now() - started
}

describeWithRedis('RedisEngine when Redis fails', () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  const engines: RedisEngine[] = []
  const servers: RedisServer[] = []

  beforeAll(() => process.on('unhandledRejection', onUnhandled))
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await Promise.all(engines.map((engine) => engine.release()))
    await Promise.all(servers.map((server) => server.stop()))
  })
  afterEach(() => expect(unhandled).toEqual([]))

  async function start(options: { appendonly?: boolean; port?: number } = {}): Promise<RedisServer> {
    const server = await RedisServer.start(options)
    servers.push(server)
    return server
  }

  function newEngine(port: number, options: ConstructorParameters<typeof RedisEngine>[0] = {}): RedisEngine {
    const engine = new RedisEngine({ port, ...options })
    engines.push(engine)
    return engine
  }

  describe('when the Redis process is killed', () => {
    it('fails every operation within 2 s, then serves the same session once Redis is back', async () => {
      const server = await start({ appendonly: true })
      const engine = newEngine(server.port)
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())

      await server.kill()
      const operations = [
        () => engine.get(token),
        () => engine.set(tokenHash(), 'auth-u', subject()),
        () => engine.update(token, 'auth-u', subject()),
        () => engine.getAll('auth-u'),
        () => engine.delete(tokenHash(), 'auth-u'),
        () => engine.deleteAll('auth-u', token)
      ]
      for (const operation of operations) expect(await rejectionTime(operation)).toBeLessThan(2_000)
      // prepare() resolves: the client is already reconnecting on its own.
      await engine.prepare()

      await server.restart()
      await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
      expect(await engine.get(token)).toMatchObject({ id: 'x' })
      expect(Object.keys(await engine.getAll('auth-u'))).toEqual([token])
    })
  })

  describe('when Redis is down at start', () => {
    it('fails prepare() and commands at once, and works once Redis is up, with the same engine', async () => {
      const port = await freePort()
      const engine = newEngine(port)
      expect(await rejectionTime(() => engine.prepare())).toBeLessThan(2_000)
      expect(await rejectionTime(() => engine.get(tokenHash()))).toBeLessThan(2_000)
      await start({ port })
      await eventually(
        async () =>
          await engine.get(tokenHash()).then(
            () => true,
            () => false
          )
      )
      await engine.prepare()
    })

    it('releases a client that is still trying to connect', async () => {
      const engine = newEngine(await freePort())
      await expect(engine.prepare()).rejects.toThrow()
      await engine.release()
      expect((engine.client as RedisClientLike).isOpen).toBe(false)
    })
  })

  describe('when Redis stops answering', () => {
    it('fails a command after commandTimeout, and answers again once Redis does', async () => {
      const server = await start()
      const engine = newEngine(server.port, { commandTimeout: 300 })
      await engine.prepare()
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      server.pause()
      try {
        const read = engine.get(token)
        await expect(read).rejects.toThrow('Redis did not answer within 300 ms')
        await expect(read).rejects.toMatchObject({
          name: 'RedisTimeoutError',
          code: 'ESR_REDIS_TIMEOUT',
          timeoutMs: 300
        })
      } finally {
        server.resume()
      }
      await eventually(async () => (await engine.get(token).catch(() => undefined)) !== undefined)
    })
  })
})
