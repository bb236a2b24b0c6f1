import express from 'express'
import supertest from 'supertest'

// An app that never installed the optional peer @opentelemetry/api: requiring it fails as Node's
// resolution does, and the library must serve as usual, with the debug log still there when asked for.
jest.mock(
  '@opentelemetry/api',
  () => {
    throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' })
  },
  { virtual: true }
)

describe('without @opentelemetry/api installed', () => {
  const saved = process.env.DEBUG
  afterEach(() => {
    if (saved === undefined) delete process.env.DEBUG
    else process.env.DEBUG = saved
  })

  async function signInAndRead(): Promise<number> {
    const library = await import('../../src')
    const app = express()
    app.use(library.session({ engine: new library.MemoryEngine() }))
    app.post('/login', (request, response, next) => {
      request.session.logIn('ada').then(() => response.json({ token: request.session.token }), next)
    })
    app.get('/me', library.authenticateRequest, (request, response) => response.json({ id: request.session.userId }))
    const { body } = await supertest(app).post('/login').expect(200)
    const me = await supertest(app).get('/me').set('Authorization', `Bearer ${body.token}`)
    return me.status
  }

  it('serves sessions as usual', async () => {
    delete process.env.DEBUG
    jest.resetModules()
    expect(await signInAndRead()).toBe(200)
  })

  it('still writes the debug log, without the token', async () => {
    process.env.DEBUG = 'express-session-registry'
    jest.resetModules()
    const written: string[] = []
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    try {
      expect(await signInAndRead()).toBe(200)
    } finally {
      stderr.mockRestore()
    }
    const lines = written.join('')
    expect(lines).toMatch(/express-session-registry engine .*: ok in/)
    expect(lines).toMatch(/express-session-registry session .* logged in/)
    expect(lines).not.toMatch(/[A-Za-z0-9_-]{43}/)
  })
})
