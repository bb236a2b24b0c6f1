import type { ErrorRequestHandler, Express, Request, Response } from 'express'
import supertest from 'supertest'
import { Session, session, type SessionOptions } from '../../src'
import { engineMatrix } from '../support/engineMatrix'
import { bearer, expressVersions } from '../support/app'

declare module 'express-session-registry' {
  interface SessionData {
    orgId?: string
    roles?: string[]
    mfa?: { step: number }
  }
}

const route =
  (handler: (request: Request, response: Response) => Promise<void>) =>
  (request: Request, response: Response, next: (error: unknown) => void): void => {
    handler(request, response).catch(next)
  }

/** An app that logs in with data, shows the data and patches it; errors answer 400 (TypeError) or 503. */
function createDataApp(express: (typeof expressVersions)[number][1], options: SessionOptions): Express {
  const app = express()
  app.use(express.json())
  app.use(session(options))
  app.post(
    '/login',
    route(async (request, response) => {
      await request.session.logIn(request.body.userId ?? 'ada', { data: request.body.data })
      response.json({ token: request.session.token, data: request.session.data })
    })
  )
  app.get('/data', (request: Request, response: Response) => {
    response.json({ authenticated: request.session.authenticated, data: request.session.data })
  })
  app.patch(
    '/data',
    route(async (request, response) => {
      const applied = await request.session.updateData(request.body)
      response.json({ applied, data: request.session.data })
    })
  )
  app.post(
    '/logout',
    route(async (request, response) => {
      response.json({ ended: await request.session.logOut() })
    })
  )
  const onError: ErrorRequestHandler = (error, _request, response, _next) => {
    response.status(error instanceof TypeError ? 400 : 503).json({ error: (error as Error).message })
  }
  app.use(onError)
  return app
}

const engines = engineMatrix()

describe.each(engines)('session data on the $name engine', ({ engine }) => {
  describe.each(expressVersions)('%s', (_version, express) => {
    let app: Express
    beforeAll(() => {
      app = createDataApp(express, { engine: engine(), idleTimeout: 60_000 })
    })

    async function logIn(data?: unknown): Promise<string> {
      const response = await supertest(app).post('/login').send({ data }).expect(200)
      return response.body.token as string
    }

    const dataOf = async (token: string) => (await supertest(app).get('/data').set('Authorization', bearer(token))).body

    it('starts a session with the data given to logIn() and loads it with the session', async () => {
      const token = await logIn({ orgId: 'org-1', roles: ['admin'] })
      expect(await dataOf(token)).toEqual({ authenticated: true, data: { orgId: 'org-1', roles: ['admin'] } })
    })

    it('is {} on a request without a session, and updateData() resolves false there', async () => {
      expect((await supertest(app).get('/data')).body).toEqual({ authenticated: false, data: {} })
      const patched = await supertest(app).patch('/data').send({ orgId: 'x' }).expect(200)
      expect(patched.body).toEqual({ applied: false, data: {} })
    })

    it('merges a patch, removes keys set to undefined, and keeps the result for later requests', async () => {
      const token = await logIn({ orgId: 'org-1', roles: ['admin'] })
      const patched = await supertest(app)
        .patch('/data')
        .set('Authorization', bearer(token))
        .send({ mfa: { step: 2 } })
      expect(patched.body).toEqual({ applied: true, data: { orgId: 'org-1', roles: ['admin'], mfa: { step: 2 } } })
      expect((await dataOf(token)).data).toEqual({ orgId: 'org-1', roles: ['admin'], mfa: { step: 2 } })
    })

    it('is never shared: a second log in starts with its own data', async () => {
      const first = await logIn({ orgId: 'org-1' })
      const second = await logIn()
      await supertest(app).patch('/data').set('Authorization', bearer(second)).send({ orgId: 'org-2' })
      expect((await dataOf(first)).data).toEqual({ orgId: 'org-1' })
      expect((await dataOf(second)).data).toEqual({ orgId: 'org-2' })
    })

    it('is dropped at log out', async () => {
      const token = await logIn({ orgId: 'org-1' })
      await supertest(app).post('/logout').set('Authorization', bearer(token)).expect(200, { ended: true })
      expect(await dataOf(token)).toEqual({ authenticated: false, data: {} })
    })

    it.each([
      ['a prototype key', '{"__proto__":{"polluted":true}}', /"__proto__"/],
      ['a constructor key', '{"constructor":{"prototype":{}}}', /"constructor"/],
      ['a nested prototype key', '{"mfa":{"__proto__":{}}}', /"__proto__"/],
      ['data over maxDataBytes', JSON.stringify({ orgId: 'x'.repeat(5000) }), /over maxDataBytes \(4096\)/]
    ])('refuses %s with a TypeError and keeps the data as it was', async (_case, body, message) => {
      const token = await logIn({ orgId: 'org-1' })
      const response = await supertest(app)
        .patch('/data')
        .set('Authorization', bearer(token))
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400)
      expect(response.body.error).toMatch(message)
      expect((await dataOf(token)).data).toEqual({ orgId: 'org-1' })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })

    it('refuses data over maxDataBytes at log in, starting no session', async () => {
      const response = await supertest(app)
        .post('/login')
        .send({ data: { orgId: 'x'.repeat(5000) } })
        .expect(400)
      expect(response.headers['set-cookie']).toBeUndefined()
    })
  })

  describe('through the Session API', () => {
    const express = expressVersions[1][1]
    let app: Express
    let captured: Session
    beforeAll(() => {
      app = express()
      app.use(session({ engine: engine(), trackSessionAccess: true, idleTimeout: 60_000 }))
      app.post(
        '/login',
        route(async (request, response) => {
          await request.session.logIn('ada', { data: { orgId: 'org-1', roles: ['a'] } })
          response.json({ token: request.session.token })
        })
      )
      app.all(
        '/capture',
        route(async (request, response) => {
          captured = request.session
          response.end()
        })
      )
    })

    async function freshSession(): Promise<[string, Session]> {
      const { token } = (await supertest(app).post('/login')).body
      await supertest(app).get('/capture').set('Authorization', bearer(token))
      return [token, captured]
    }

    it('is read-only: changing it in place throws, so changes go through updateData()', async () => {
      const [, current] = await freshSession()
      expect(() => {
        ;(current.data as { orgId?: string }).orgId = 'other'
      }).toThrow(TypeError)
      expect(() => (current.data.roles as string[]).push('b')).toThrow(TypeError)
      expect(current.data).toEqual({ orgId: 'org-1', roles: ['a'] })
    })

    it('removes a key set to undefined and removes the data entirely once empty', async () => {
      const [token] = await freshSession()
      expect(await captured.updateData({ orgId: undefined })).toBe(true)
      expect(captured.data).toEqual({ roles: ['a'] })
      await captured.updateData({ roles: undefined })
      expect(captured.data).toEqual({})
      await supertest(app).get('/capture').set('Authorization', bearer(token))
      expect(captured.data).toEqual({})
      expect(JSON.parse(JSON.stringify(captured)).data).toEqual({})
    })

    it('survives access tracking and renewal, and shows in activeSessions()', async () => {
      const [token, current] = await freshSession()
      await current.updateData({ mfa: { step: 1 } })
      // Past half of the idle timeout, a request renews the session.
      const later = Date.now() + 40_000
      const clock = jest.spyOn(Date, 'now').mockImplementation(() => later)
      try {
        await supertest(app).get('/capture').set('Authorization', bearer(token))
      } finally {
        clock.mockRestore()
      }
      expect(captured.expiresAt!.getTime()).toBe(later + 60_000)
      expect(captured.authenticated).toBe(true)
      expect(captured.data).toEqual({ orgId: 'org-1', roles: ['a'], mfa: { step: 1 } })
      const listed = await captured.activeSessions()
      expect(listed[captured.id!].data).toEqual({ orgId: 'org-1', roles: ['a'], mfa: { step: 1 } })
    })

    it('is not written over a session that a concurrent logOut() ended', async () => {
      const [, current] = await freshSession()
      await Session.logOutAll('ada', { engine: engine() })
      expect(await current.updateData({ orgId: 'late' })).toBe(false)
      expect(current.authenticated).toBe(false)
      expect(await Session.activeSessions('ada', { engine: engine() })).not.toHaveProperty(current.id ?? 'none')
    })

    it.each([
      ['a function', { orgId: (() => 'x') as unknown as string }, /must be JSON data, got function/],
      ['a date', { orgId: new Date() as unknown as string }, /must be a plain object/],
      ['NaN', { mfa: { step: NaN } }, /finite number/],
      ['not an object', 'org' as never, /patch must be a plain object/]
    ])('refuses %s with a TypeError', async (_case, patch, message) => {
      const [, current] = await freshSession()
      await expect(current.updateData(patch)).rejects.toThrow(message)
      await expect(current.updateData(patch)).rejects.toBeInstanceOf(TypeError)
    })

    it('refuses data that contains itself', async () => {
      const [, current] = await freshSession()
      const roles: unknown[] = []
      roles.push(roles)
      await expect(current.updateData({ roles: roles as string[] })).rejects.toThrow(/must not contain itself/)
    })
  })
})

describe('the maxDataBytes option', () => {
  it.each([0, -1, 1.5, '4096', null])('refuses %p with a TypeError naming it', (value) => {
    expect(() => session({ maxDataBytes: value as number })).toThrow(/option "maxDataBytes" must be a positive whole/)
  })

  it('bounds the data to the size given', async () => {
    const express = expressVersions[0][1]
    const app = createDataApp(express, { maxDataBytes: 20 })
    await supertest(app)
      .post('/login')
      .send({ data: { orgId: 'x'.repeat(20) } })
      .expect(400)
    await supertest(app)
      .post('/login')
      .send({ data: { orgId: 'x' } })
      .expect(200)
  })
})
