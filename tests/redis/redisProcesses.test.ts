import { join } from 'node:path'
import { AppProcess, ROOT } from '../support/appProcess'
import { appSource } from '../support/sharedApp'
import { describeWithRedis, RedisServer } from '../support/redisServer'

/** The source line that builds a RedisEngine on `port` with `options` in an app process. */
const redisEngine = (port: number, options: object) =>
  `const { RedisEngine } = require(${JSON.stringify(join(ROOT, 'src/redis.ts'))})
  const engine = new RedisEngine({ port: ${port}, ...${JSON.stringify(options)} })`

describeWithRedis('Two app instances with localCache in separate processes', () => {
  let server: RedisServer
  let first: AppProcess
  let second: AppProcess

  beforeAll(async () => {
    server = await RedisServer.start()
    const options = { localCache: { maxEntries: 100 } }
    ;[first, second] = await Promise.all([
      AppProcess.start(appSource(redisEngine(server.port, options))),
      AppProcess.start(appSource(redisEngine(server.port, options)))
    ])
  }, 30_000)

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()])
    await server?.stop()
  })

  async function logIn(app: AppProcess, userId: string): Promise<{ headers: Record<string, string> }> {
    const login = await app.fetch(`/login/${userId}`, { method: 'POST' })
    const { token } = (await login.json()) as { token: string }
    return { headers: { Authorization: `Bearer ${token}` } }
  }

  /** Reads the session on both instances twice, so that both serve it from their cache. */
  async function useEverywhere(auth: { headers: Record<string, string> }): Promise<void> {
    for (const app of [first, second, first, second]) expect((await app.fetch('/me', auth)).status).toBe(200)
  }

  it('refuse a token on the other instance as soon as logOut() resolved on one', async () => {
    const auth = await logIn(first, 'ana')
    await useEverywhere(auth)
    expect((await first.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
    expect((await second.fetch('/me', auth)).status).toBe(401)
    expect((await first.fetch('/me', auth)).status).toBe(401)
  })

  it('refuse the other sessions as soon as logOutOthers() resolved, and keep the current one', async () => {
    const [current, other] = [await logIn(first, 'ben'), await logIn(second, 'ben')]
    await useEverywhere(current)
    await useEverywhere(other)
    expect((await first.fetch('/logout-others', { method: 'POST', ...current })).status).toBe(200)
    expect((await second.fetch('/me', other)).status).toBe(401)
    expect((await first.fetch('/me', other)).status).toBe(401)
    expect((await second.fetch('/me', current)).status).toBe(200)
  })

  it('refuse every session as soon as logOutAll() resolved', async () => {
    const sessions = [await logIn(first, 'cy'), await logIn(second, 'cy')]
    for (const auth of sessions) await useEverywhere(auth)
    expect((await second.fetch('/logout-all', { method: 'POST', ...sessions[0] })).status).toBe(200)
    for (const auth of sessions) {
      expect((await first.fetch('/me', auth)).status).toBe(401)
      expect((await second.fetch('/me', auth)).status).toBe(401)
    }
  })
})
