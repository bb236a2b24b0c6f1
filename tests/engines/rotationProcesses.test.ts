// Token rotation and reuse detection seen by two app instances in separate processes sharing one store.
import { AppProcess } from '../support/appProcess'
import { appSource } from '../support/sharedApp'
import { describeWithPostgres } from '../support/postgresServer'
import { describeWithRedis } from '../support/redisServer'
import { postgresStore, redisStore, type SharedStore } from '../support/sharedStores'

const ROTATE_AFTER_MS = 600
const GRACE_MS = 900
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } })

/** The token a response carried in its Authorization header, if any. */
const answeredToken = (response: Response) => /^bearer (\S+)$/.exec(response.headers.get('authorization') ?? '')?.[1]

describe.each([
  ['Redis', describeWithRedis, redisStore()],
  ['Redis with localCache', describeWithRedis, redisStore({ localCache: { maxEntries: 100 } })],
  ['PostgreSQL', describeWithPostgres, postgresStore]
] as const)('Token rotation across two processes sharing one %s', (_name, describeWith, startStore) => {
  describeWith('', () => {
    let store: SharedStore
    let first: AppProcess
    let second: AppProcess

    beforeAll(async () => {
      store = await startStore()
      const options = { rotateAfter: ROTATE_AFTER_MS, rotationGrace: GRACE_MS }
      ;[first, second] = await Promise.all([
        AppProcess.start(appSource(store.engineSource, options)),
        AppProcess.start(appSource(store.engineSource, options))
      ])
    }, 30_000)

    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()])
      await store?.stop()
    })

    async function logIn(userId: string): Promise<string> {
      const login = await first.fetch(`/login/${userId}`, { method: 'POST' })
      expect(login.status).toBe(200)
      return ((await login.json()) as { token: string }).token
    }

    it('rotates on one instance; the other serves the new token, and the old one within its grace', async () => {
      const old = await logIn('rosa')
      // Both instances read (and, with localCache, cache) the session before it rotates.
      for (const app of [first, second]) expect((await app.fetch('/me', bearer(old))).status).toBe(200)
      await sleep(ROTATE_AFTER_MS + 100)
      const rotated = await second.fetch('/me', bearer(old))
      expect(rotated.status).toBe(200)
      const token = answeredToken(rotated)!
      expect(token).toBeDefined()
      expect(token).not.toBe(old)
      const inGrace = await first.fetch('/me', bearer(old))
      expect(inGrace.status).toBe(200)
      expect(answeredToken(inGrace)).toBeUndefined()
      expect((await first.fetch('/me', bearer(token))).status).toBe(200)
      const listed = (await (await first.fetch('/sessions', bearer(token))).json()) as Record<string, unknown>
      expect(Object.keys(listed)).toHaveLength(1)
    })

    it('ends the session on both instances when the old token comes back after its grace', async () => {
      const old = await logIn('sam')
      for (const app of [first, second]) expect((await app.fetch('/me', bearer(old))).status).toBe(200)
      await sleep(ROTATE_AFTER_MS + 100)
      const token = answeredToken(await first.fetch('/me', bearer(old)))!
      for (const app of [first, second, first, second]) expect((await app.fetch('/me', bearer(token))).status).toBe(200)
      await sleep(GRACE_MS + 150)
      expect((await second.fetch('/me', bearer(old))).status).toBe(401)
      expect((await first.fetch('/me', bearer(token))).status).toBe(401)
      expect((await second.fetch('/me', bearer(token))).status).toBe(401)
    })

    it('never forks the session when both instances get the due token at once', async () => {
      const old = await logIn('tao')
      await sleep(ROTATE_AFTER_MS + 100)
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? first : second).fetch('/me', bearer(old)))
      )
      for (const response of responses) expect(response.status).toBe(200)
      const issued = responses.map(answeredToken).filter((token) => token !== undefined)
      expect(issued).toHaveLength(1)
      const listed = (await (await second.fetch('/sessions', bearer(issued[0]!))).json()) as Record<string, unknown>
      expect(Object.keys(listed)).toHaveLength(1)
    })
  })
})
