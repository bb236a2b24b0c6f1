import express from 'express'
import supertest from 'supertest'
import { MemoryEngine, session, type SessionEngine } from '../../src'
import { invalidOption } from '../../src/errors'
import { SessionStore } from '../../src/store'
import { bearer } from '../support/app'

describe('option errors', () => {
  it.each<[unknown, string]>([
    ['short', 'got "short"'],
    ['x'.repeat(100), `got "${'x'.repeat(60)}…"`],
    [() => undefined, 'got a function'],
    [10n, 'got 10n'],
    [[1], 'got an array'],
    [{ a: 1 }, 'got an object'],
    [null, 'got null'],
    [undefined, 'got undefined'],
    [Symbol.iterator, 'got Symbol(Symbol.iterator)']
  ])('describe %p as %s', (value, described) => {
    expect(invalidOption('name', value, 'something').message).toBe(
      `express-session-registry: option "name" must be something, ${described}`
    )
  })
})

describe('SessionStore', () => {
  const bare = (overrides: Partial<SessionEngine>): SessionEngine => ({
    get: () => undefined,
    set: () => undefined,
    getAll: () => ({}),
    delete: () => undefined,
    clear: () => undefined,
    ...overrides
  })

  it('reports an engine that failed to load when it is first needed', async () => {
    const store = new SessionStore(Promise.reject(new Error('cannot find module redis')))
    await expect(store.find('x')).rejects.toThrow('cannot find module redis')
  })

  it('waits for an engine that loads asynchronously', async () => {
    const engine = new MemoryEngine()
    const store = new SessionStore(Promise.resolve(engine))
    expect(await store.list('auth-nobody')).toEqual([])
  })

  it('treats an engine that lists nothing as no sessions', async () => {
    const store = new SessionStore(bare({ getAll: () => undefined as unknown as Record<string, never> }))
    expect(await store.list('auth-x')).toEqual([])
    await expect(store.removeAll('auth-x')).resolves.toBeUndefined()
  })

  it('does not update through the fallback when the entry is gone', async () => {
    const set = jest.fn()
    const store = new SessionStore(bare({ set }))
    expect(await store.update('x', 'auth-x', {} as never)).toBe(false)
    expect(set).not.toHaveBeenCalled()
  })
})

describe('Session', () => {
  it('exposes userId and authenticatableID as aliases of authenticatableId', async () => {
    const engine = new MemoryEngine()
    const app = express()
    app.use(session({ engine }))
    app.post('/', async (request, response) => {
      await request.session.logIn('ada')
      const { authenticatableId, userId, authenticatableID } = request.session
      response.json({ authenticatableId, userId, authenticatableID })
    })
    expect((await supertest(app).post('/')).body).toEqual({
      authenticatableId: 'ada',
      userId: 'ada',
      authenticatableID: 'ada'
    })
    engine.release()
  })

  it('keeps cookies the app set before logIn', async () => {
    const engine = new MemoryEngine()
    const app = express()
    app.use(session({ engine }))
    app.post('/', async (request, response) => {
      response.setHeader('Set-Cookie', 'theme=dark')
      await request.session.logIn('ada')
      response.end()
    })
    const cookies = (await supertest(app).post('/')).headers['set-cookie'] as unknown as string[]
    expect(cookies[0]).toBe('theme=dark')
    expect(cookies[1]).toMatch(/^session=/)
    engine.release()
  })

  it('finds no token when cookie-parser ran and the cookie is absent', async () => {
    const engine = new MemoryEngine()
    const app = express()
    app.use((request, _response, next) => {
      request.cookies = { other: 'x' }
      next()
    })
    app.use(session({ engine }))
    app.get('/', (request, response) => {
      response.json({ authenticated: request.session.authenticated })
    })
    expect((await supertest(app).get('/').set('Authorization', bearer('*'))).body.authenticated).toBe(false)
    expect((await supertest(app).get('/')).body.authenticated).toBe(false)
    engine.release()
  })
})

describe('MemoryEngine', () => {
  it('takes null options as no options', () => {
    const engine = new MemoryEngine(null as never)
    engine.set('k', 'auth-a', { expiresAt: null })
    expect(engine.get('k')).toEqual({ expiresAt: null })
  })
})
