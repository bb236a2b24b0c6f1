import express, { type RequestHandler } from 'express'
import supertest from 'supertest'
import { authenticateRequest, session, type SessionEvent, type SessionOptions } from '../../src'

/** An app whose `/login` logs `ada` in and whose `/private` is behind `authenticateRequest`. */
function appWith(middleware: RequestHandler, beforeGuard: RequestHandler = (_request, _response, next) => next()) {
  const app = express()
  app.use(middleware)
  app.post('/login', async (request, response) => {
    await request.session.logIn('ada')
    response.json({ id: request.session.id })
  })
  app.get('/private', beforeGuard, authenticateRequest, (request, response) => {
    response.json({ user: request.session.authenticatableId })
  })
  return app
}

describe('request.session is read-only', () => {
  it('assigning authenticated (or any fact) neither takes nor lets authenticateRequest through', async () => {
    const assigned: Record<string, boolean> = {}
    const app = appWith(session(), (request, _response, next) => {
      for (const [name, value] of Object.entries({ authenticated: true, authenticatableId: 'admin', id: 'x' })) {
        assigned[name] = Reflect.set(request.session, name, value)
      }
      next()
    })
    await supertest(app).get('/private').expect(401)
    expect(assigned).toEqual({ authenticated: false, authenticatableId: false, id: false })
  })

  it('a plain assignment in strict code throws, and the session stays unauthenticated', async () => {
    const app = express()
    app.use(session())
    app.get('/', (request, response) => {
      let threw = false
      try {
        ;(request.session as { authenticated: boolean }).authenticated = true
      } catch (error) {
        threw = error instanceof TypeError
      }
      response.json({ threw, authenticated: request.session.authenticated })
    })
    const { body } = await supertest(app).get('/').expect(200)
    expect(body).toEqual({ threw: true, authenticated: false })
  })

  it('a logged-in session still reads its facts', async () => {
    const app = appWith(session())
    const login = await supertest(app).post('/login').expect(200)
    const token = String(login.headers.authorization).replace(/^bearer /, '')
    const { body } = await supertest(app).get('/private').set('Authorization', `Bearer ${token}`).expect(200)
    expect(body).toEqual({ user: 'ada' })
  })
})

describe('two session() calls given one options object', () => {
  it('each keeps its own engine and its own listeners', async () => {
    const options: SessionOptions = { engine: 'memory', engineOptions: {} }
    const first = session(options)
    const second = session(options)
    const heard: Record<'first' | 'second', SessionEvent[]> = { first: [], second: [] }
    first.on('logIn', (event) => void heard.first.push(event))
    second.on('logIn', (event) => void heard.second.push(event))
    const firstApp = appWith(first)
    const secondApp = appWith(second)

    const login = await supertest(firstApp).post('/login').expect(200)
    const bearer = String(login.headers.authorization)

    expect(heard.first.map((event) => event.sessionId)).toEqual([login.body.id])
    expect(heard.second).toEqual([])
    await supertest(firstApp).get('/private').set('Authorization', bearer).expect(200)
    // The second middleware's engine never saw that session.
    await supertest(secondApp).get('/private').set('Authorization', bearer).expect(401)
    await Promise.all([first.release(), second.release()])
  })
})
