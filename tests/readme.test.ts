// The original package's README examples, unchanged but for the import path.
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import supertest from 'supertest'
import { authenticateRequest, injectSession, MemoryEngine, session, Session } from 'express-session-registry'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      currentUser?: { id: string | null }
    }
  }
}

const User = { find: async (id: string | null) => ({ id }) }

describe('the original README examples', () => {
  const engine = new MemoryEngine()
  afterAll(() => engine.release())

  it('session() with an engine, authenticateRequest and logIn', async () => {
    const app = express()
    app.use(session({ engine }))
    app.post('/login', async (request, response) => {
      await request.session.logIn(request.query.id as string)
      response.end()
    })
    app.get('/private', authenticateRequest, async (request, response) => {
      response.end()
    })
    await supertest(app).get('/private').expect(401)
    const login = await supertest(app).post('/login?id=7')
    await supertest(app).get('/private').set('Authorization', login.headers.authorization).expect(200)
    await supertest(app).get('/private').set('Cookie', login.headers['set-cookie']).expect(200)
  })

  it('a custom authenticateRequest reading authenticatableID', async () => {
    async function authenticateRequest(request: Request, response: Response, next: NextFunction) {
      if (request.session.authenticated) {
        request.currentUser = await User.find(request.session.authenticatableID)
        next()
      } else {
        response.status(401).end()
      }
    }
    const app = express()
    app.use(session({ engine }))
    app.post('/login', async (request, response) => {
      await request.session.logIn(42)
      response.end()
    })
    app.get('/', authenticateRequest, async (request, response) => {
      const currentUser = await User.find(request.session.authenticatableID)
      response.json({ currentUser, viaMiddleware: request.currentUser })
    })
    const login = await supertest(app).post('/login')
    const me = await supertest(app).get('/').set('Authorization', login.headers.authorization).expect(200)
    expect(me.body).toEqual({ currentUser: { id: '42' }, viaMiddleware: { id: '42' } })
  })

  it('injectSession() in a custom middleware, and the static activeSessions()', async () => {
    const options = { engine }
    const app = express()
    app.use(async (request, response, next) => {
      await injectSession(request, response, options)
      next()
    })
    app.post('/login', async (request, response) => {
      await request.session.logIn('ada')
      response.end()
    })
    app.get('/devices', async (request, response) => {
      response.json(await request.session.activeSessions())
    })
    const login = await supertest(app).post('/login')
    const devices = await supertest(app).get('/devices').set('Authorization', login.headers.authorization)
    expect(Object.keys(devices.body)).toHaveLength(1)
    expect(Object.keys(await Session.activeSessions('ada', options))).toEqual(Object.keys(devices.body))
  })
})
