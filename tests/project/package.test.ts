import { builtPackageApp, type BuiltPackageApp } from '../support/builtPackage'

// The built package in an app that has installed nothing but its one dependency: no Redis, PostgreSQL or
// SQLite client, no token registry, not even Express (the core needs it only for types).
let app: BuiltPackageApp

beforeAll(() => {
  app = builtPackageApp(['cookie'])
})

afterAll(() => {
  app.remove()
})

/** Runs `body` (an async function body with `session` in scope) and resolves what it printed as JSON. */
function inApp(body: string): unknown {
  const script = `const { session } = require('express-session-registry');
(async () => { ${body} })().catch((error) => { console.log(JSON.stringify({ crashed: String(error) })) })`
  return JSON.parse(app.run(script))
}

describe('require() of the main entry', () => {
  it("loads only the package's own files and cookie", () => {
    const loaded = JSON.parse(
      app.run(`require('express-session-registry'); console.log(JSON.stringify(Object.keys(require.cache)))`)
    ) as string[]
    const relative = loaded.map((file) => file.slice(app.dir.length + 1))
    const outside = relative.filter(
      (file) =>
        !file.startsWith('node_modules/express-session-registry/dist/') && !file.startsWith('node_modules/cookie/')
    )
    expect(outside).toEqual([])
    // dist/index.js and cookie's one file: the token registry and its 21 packages are no longer loaded.
    expect(relative).toEqual([
      'node_modules/express-session-registry/dist/index.js',
      'node_modules/cookie/dist/index.js'
    ])
  })
})

describe('an engine given by name whose client is not installed', () => {
  it.each([
    ['redis', 'redis'],
    ['postgres', 'pg'],
    ['sqlite', 'better-sqlite3']
  ])('engine: %p makes ready() reject with "npm install %s"', (engine, peer) => {
    const outcome = inApp(`const middleware = session({ engine: '${engine}' })
      const error = await middleware.ready().then(() => undefined, (error) => error)
      await middleware.release()
      console.log(JSON.stringify({ name: error?.name, code: error?.code, message: error?.message, released: true }))`)
    expect(outcome).toEqual({
      name: 'SessionEngineError',
      code: 'ESR_ENGINE_UNAVAILABLE',
      message: expect.stringContaining(`needs the package "${peer}", which is not installed: npm install ${peer}`),
      released: true
    })
    expect((outcome as { message: string }).message).toContain(`check option "engine": "${engine}"`)
  })

  it('fails a request too, not only ready(), with the same advice', () => {
    const outcome = inApp(`const middleware = session({ engine: 'redis' })
      const request = { headers: { authorization: 'Bearer ' + 'a'.repeat(43) }, url: '/', method: 'GET' }
      const error = await new Promise((resolve) => middleware(request, { setHeader() {}, getHeader() {} }, resolve))
      console.log(JSON.stringify({ message: error?.message }))`)
    expect((outcome as { message: string }).message).toContain('npm install redis')
  })
})

describe('an engine name that is not ours without the token registry installed', () => {
  it('is a TypeError at session() naming the package to install', () => {
    const outcome = inApp(`try { session({ engine: 'mongo' }) } catch (error) {
      console.log(JSON.stringify({ type: error.constructor.name, code: error.code, message: error.message })) }`)
    expect(outcome).toEqual({
      type: 'TypeError',
      code: 'ESR_INVALID_OPTION',
      message: expect.stringContaining('npm install @universal-packages/token-registry')
    })
  })
})
