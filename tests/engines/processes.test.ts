// Two app instances in separate processes sharing one engine, on every engine that can be shared.
import { AppProcess } from '../support/appProcess'
import { appSource } from '../support/sharedApp'
import { describeWithPostgres } from '../support/postgresServer'
import { describeWithRedis } from '../support/redisServer'
import { postgresStore, redisStore, type SharedStore } from '../support/sharedStores'

describe.each([
  ['Redis', describeWithRedis, redisStore()],
  ['PostgreSQL', describeWithPostgres, postgresStore]
] as const)('Two app instances in separate processes sharing one %s', (_name, describeWith, startStore) => {
  describeWith('', () => {
    let store: SharedStore
    let first: AppProcess
    let second: AppProcess

    beforeAll(async () => {
      store = await startStore()
      ;[first, second] = await Promise.all([
        AppProcess.start(appSource(store.engineSource)),
        AppProcess.start(appSource(store.engineSource))
      ])
    }, 30_000)

    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()])
      await store?.stop()
    })

    it('see the same sessions: logged in on one, listed and logged out on the other, rejected on the first', async () => {
      const login = await first.fetch('/login/julia', { method: 'POST' })
      expect(login.status).toBe(200)
      const { token } = (await login.json()) as { token: string }
      const auth = { headers: { Authorization: `Bearer ${token}` } }

      const onSecond = await second.fetch('/me', auth)
      expect(onSecond.status).toBe(200)
      expect(await onSecond.json()).toEqual({ userId: 'julia' })
      const listed = (await (await second.fetch('/sessions', auth)).json()) as Record<string, { current: boolean }>
      expect(Object.values(listed)).toEqual([expect.objectContaining({ current: true })])

      expect((await second.fetch('/logout', { method: 'POST', ...auth })).status).toBe(200)
      expect((await first.fetch('/me', auth)).status).toBe(401)
      expect((await second.fetch('/me', auth)).status).toBe(401)
    })
  })
})
