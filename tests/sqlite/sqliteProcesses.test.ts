import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bearer } from '../support/app'
import { AppProcess, ROOT } from '../support/appProcess'
import { appSource } from '../support/sharedApp'

/** The source lines that build a SqliteEngine on `filename` in an app process. */
const sqliteEngine = (filename: string) =>
  `const { SqliteEngine } = require(${JSON.stringify(join(ROOT, 'src/sqlite.ts'))})
  const engine = new SqliteEngine({ filename: ${JSON.stringify(filename)} })`

const authorized = (token: string) => ({ headers: { Authorization: bearer(token) } })

describe('App instances in separate processes sharing one SQLite file', () => {
  let dir: string
  let file: string
  let workers: AppProcess[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esr-sqlite-processes-'))
    file = join(dir, 'sessions.db')
    workers = await Promise.all([1, 2, 3].map(() => AppProcess.start(appSource(sqliteEngine(file)))))
  }, 60_000)

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('see each other at once: logged in on one, used on another, revoked on a third', async () => {
    const [first, second, third] = workers
    const login = await first.fetch('/login/julia', { method: 'POST' })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }

    const onSecond = await second.fetch('/me', authorized(token))
    expect(onSecond.status).toBe(200)
    expect(await onSecond.json()).toEqual({ userId: 'julia' })
    const listed = (await (await third.fetch('/sessions', authorized(token))).json()) as Record<string, unknown>
    expect(Object.values(listed)).toEqual([expect.objectContaining({ current: true })])

    expect((await third.fetch('/logout', { method: 'POST', ...authorized(token) })).status).toBe(200)
    expect((await first.fetch('/me', authorized(token))).status).toBe(401)
    expect((await second.fetch('/me', authorized(token))).status).toBe(401)
  })

  it('lose nothing acknowledged when a worker is killed (SIGKILL) in the middle of a write loop', async () => {
    const victim = await AppProcess.start(appSource(sqliteEngine(file)))
    const acknowledged: string[] = []
    let killed = false
    // Four clients log in over and over; the worker is killed once 200 log ins are answered, with more in flight.
    const client = async (n: number) => {
      for (let round = 0; !killed; round++) {
        try {
          const response = await victim.fetch(`/login/crash-${n}-${round}`, { method: 'POST' })
          if (response.status === 200) acknowledged.push(((await response.json()) as { token: string }).token)
        } catch {
          return
        }
        if (acknowledged.length >= 200 && !killed) {
          killed = true
          await victim.stop()
        }
      }
    }
    await Promise.all([0, 1, 2, 3].map(client))
    expect(victim.child.signalCode).toBe('SIGKILL')
    expect(acknowledged.length).toBeGreaterThanOrEqual(200)

    const [survivor] = workers
    const statuses = await Promise.all(
      acknowledged.map(async (token) => (await survivor.fetch('/me', authorized(token))).status)
    )
    expect(statuses.filter((status) => status !== 200)).toEqual([])
  })
})
