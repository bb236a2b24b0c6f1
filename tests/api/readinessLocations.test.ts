import { session, SessionEngineError } from '../../src'
import type { SessionEngine } from '../../src'
import { freePort } from '../support/redisServer'

async function startFailure(middleware: { ready(): Promise<void>; release(): Promise<void> }): Promise<Error> {
  const failure: unknown = await middleware.ready().then(
    () => undefined,
    (error: unknown) => error
  )
  await middleware.release().catch(() => undefined)
  expect(failure).toBeInstanceOf(SessionEngineError)
  return failure as Error
}

describe('middleware.ready() naming where the engine is', () => {
  it('names a SQLite file given as a file: name as it was given', async () => {
    const filename = 'file:/no-such-directory/sessions.db'
    const error = await startFailure(session({ engine: 'sqlite', engineOptions: { filename } }))
    expect(error.message).toContain(`check option "engine": "sqlite", option "engineOptions.filename": ${filename}`)
  })

  it('names only the engine when its options give no address (a port alone)', async () => {
    const port = await freePort()
    const error = await startFailure(session({ engine: 'redis', engineOptions: { port } }))
    expect(error.message).toContain('check option "engine": "redis"')
    expect(error.message).not.toContain('engineOptions')
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('names an engine object without a class as an engine object', async () => {
    const bare = Object.assign(Object.create(null) as object, {
      prepare: () => Promise.reject(new Error('no route to the store')),
      clear: () => undefined,
      get: () => undefined,
      set: () => undefined,
      getAll: () => ({}),
      delete: () => undefined
    }) as SessionEngine
    const error = await startFailure(session({ engine: bare }))
    expect(error.message).toContain('check option "engine": an engine object')
    expect(error.message).toContain('no route to the store')
  })
})
