import type { MemoryEngine as MemoryEngineClass } from 'express-session-registry'

/** A MemoryEngine class as a fresh process would load it: the warning not yet given. */
function freshMemoryEngine(): typeof MemoryEngineClass {
  let loaded: typeof MemoryEngineClass | undefined
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = (require('../../src/engines/memory/MemoryEngine') as { MemoryEngine: typeof MemoryEngineClass })
      .MemoryEngine
  })
  return loaded!
}

describe('MemoryEngine in a process that looks like one of several', () => {
  const saved = { NODE_ENV: process.env.NODE_ENV, NODE_APP_INSTANCE: process.env.NODE_APP_INSTANCE }
  let warnings: jest.SpyInstance

  beforeEach(() => {
    warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    delete process.env.NODE_APP_INSTANCE
    process.env.NODE_ENV = 'test'
  })

  afterEach(() => {
    warnings.mockRestore()
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  const given = () => warnings.mock.calls.map(([message, options]) => ({ message: String(message), options }))

  it.each([
    ['a pm2 instance', { NODE_APP_INSTANCE: '2' }, 'NODE_APP_INSTANCE is set (pm2 instance 2)'],
    ['NODE_ENV production', { NODE_ENV: 'production' }, 'NODE_ENV is production']
  ])('warns once per process, for %s, that the other processes will not see its sessions', (_name, env, sign) => {
    Object.assign(process.env, env)
    const MemoryEngine = freshMemoryEngine()
    new MemoryEngine().release?.()
    new MemoryEngine().release?.()
    expect(given()).toEqual([
      {
        message: expect.stringContaining(`and ${sign}: other processes of the app will not see them`),
        options: { type: 'SessionEngineWarning', code: 'ESR_MEMORY_ENGINE_PROCESSES' }
      }
    ])
    expect(given()[0].message).toMatch(/RedisEngine, a PostgresEngine or a SqliteEngine/)
  })

  it('says nothing in a lone development or test process', () => {
    const MemoryEngine = freshMemoryEngine()
    new MemoryEngine().release?.()
    expect(given()).toEqual([])
  })
})
