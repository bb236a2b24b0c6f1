import { inspect } from 'node:util'
import supertest from 'supertest'
import { MemoryEngine, Session, session, type SessionEventMap } from '../../src'
import { bearer, createApp, expressVersions, logIn, sessionCookie } from '../support/app'

interface Listed {
  id: string
  current: boolean
  userAgent: string
  deviceId: string | null
}

describe.each(expressVersions)('managing sessions on %s', (_version, express) => {
  let engine: MemoryEngine
  let app: ReturnType<typeof createApp>
  beforeEach(() => {
    engine = new MemoryEngine()
    app = createApp(express, { engine })
  })
  afterEach(() => engine.release())

  const list = async (token: string): Promise<Record<string, Listed>> =>
    (await supertest(app).get('/sessions').set('Authorization', bearer(token)).expect(200)).body
  const logOut = (token: string, target?: string) =>
    supertest(app)
      .post('/logout')
      .set('Authorization', bearer(token))
      .send(target === undefined ? {} : { target })

  describe('activeSessions()', () => {
    it('lists every live session of the user by id, this one marked, with no token', async () => {
      const phone = await logIn(app, 'ada', 'Phone')
      const laptop = await logIn(app, 'ada', 'Laptop')
      await logIn(app, 'bob', 'Other')
      const sessions = await list(phone)
      const entries = Object.values(sessions)
      expect(entries.map((entry) => entry.userAgent).sort()).toEqual(['Laptop', 'Phone'])
      expect(entries.filter((entry) => entry.current).map((entry) => entry.userAgent)).toEqual(['Phone'])
      for (const [key, entry] of Object.entries(sessions)) expect(entry.id).toBe(key)
      const text = JSON.stringify(sessions)
      expect(text).not.toContain(phone)
      expect(text).not.toContain(laptop)
    })

    it('is available statically for admin screens', async () => {
      await logIn(app, 'ada')
      await logIn(app, 'ada')
      const sessions = await Session.activeSessions('ada', { engine })
      expect(Object.values(sessions)).toHaveLength(2)
      expect(Object.values(sessions).every((entry) => !entry.current && entry.firstAccessed instanceof Date)).toBe(true)
    })

    it('is empty when not authenticated', async () => {
      const bare = express()
      bare.use((await import('../../src')).session({ engine }))
      bare.get('/', async (request, response) => {
        response.json(await request.session.activeSessions())
      })
      expect((await supertest(bare).get('/')).body).toEqual({})
    })
  })

  describe('logOut()', () => {
    it('ends this session, expires the cookie and resets the session', async () => {
      const token = await logIn(app)
      const response = await logOut(token).expect(200)
      expect(response.body.ended).toBe(true)
      expect(sessionCookie(response)).toMatch(/^session=;.*Max-Age=0/)
      expect(response.headers['cache-control']).toBe('no-store')
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
    })

    it('ends another session of the same user by id', async () => {
      const phone = await logIn(app, 'ada', 'Phone')
      const laptop = await logIn(app, 'ada', 'Laptop')
      const laptopId = Object.values(await list(phone)).find((entry) => entry.userAgent === 'Laptop')!.id
      expect((await logOut(phone, laptopId)).body.ended).toBe(true)
      await supertest(app).get('/me').set('Authorization', bearer(laptop)).expect(401)
      await supertest(app).get('/me').set('Authorization', bearer(phone)).expect(200)
    })

    it('ends another session of the same user by token', async () => {
      const phone = await logIn(app, 'ada')
      const laptop = await logIn(app, 'ada')
      expect((await logOut(phone, laptop)).body.ended).toBe(true)
      await supertest(app).get('/me').set('Authorization', bearer(laptop)).expect(401)
    })

    describe("with another user's token or session id", () => {
      it('leaves that session alive', async () => {
        const mine = await logIn(app, 'mallory')
        const theirs = await logIn(app, 'ada')
        const theirId = Object.keys(await list(theirs))[0]
        expect((await logOut(mine, theirs)).body.ended).toBe(false)
        expect((await logOut(mine, theirId)).body.ended).toBe(false)
        await supertest(app).get('/me').set('Authorization', bearer(theirs)).expect(200)
        await supertest(app).get('/me').set('Authorization', bearer(mine)).expect(200)
      })
    })

    it.each([
      ['an unknown id', 'nope'],
      ['a malformed value', '*'],
      ['an unknown token', 'C'.repeat(43)]
    ])('ends nothing with %s', async (_case, target) => {
      const token = await logIn(app)
      expect((await logOut(token, target)).body.ended).toBe(false)
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(200)
    })

    it('ends this session when given its own id', async () => {
      const token = await logIn(app)
      const id = Object.keys(await list(token))[0]
      expect((await logOut(token, id)).body.ended).toBe(true)
      await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
    })

    it('still expires the cookie when not authenticated', async () => {
      const response = await supertest(app).post('/logout').send({}).expect(200)
      expect(response.body.ended).toBe(false)
      expect(sessionCookie(response)).toMatch(/Max-Age=0/)
    })

    it('ends nothing by id when not authenticated', async () => {
      const victim = await logIn(app, 'ada')
      const response = await supertest(app).post('/logout').send({ target: victim }).expect(200)
      expect(response.body.ended).toBe(false)
      await supertest(app).get('/me').set('Authorization', bearer(victim)).expect(200)
    })

    it('sends one Set-Cookie when logIn and logOut run in one request', async () => {
      const both = express()
      both.use((await import('../../src')).session({ engine }))
      both.post('/', async (request, response) => {
        await request.session.logIn('ada')
        await request.session.logOut()
        response.end()
      })
      const response = await supertest(both).post('/')
      expect(response.headers['set-cookie']).toHaveLength(1)
      expect(sessionCookie(response)).toMatch(/Max-Age=0/)
    })
  })

  describe('logOutOthers()', () => {
    it('ends every other session of the user and keeps this one', async () => {
      const tokens = [await logIn(app, 'ada'), await logIn(app, 'ada'), await logIn(app, 'ada')]
      const bob = await logIn(app, 'bob')
      await supertest(app).post('/logout-others').set('Authorization', bearer(tokens[1])).expect(204)
      await supertest(app).get('/me').set('Authorization', bearer(tokens[0])).expect(401)
      await supertest(app).get('/me').set('Authorization', bearer(tokens[2])).expect(401)
      await supertest(app).get('/me').set('Authorization', bearer(tokens[1])).expect(200)
      await supertest(app).get('/me').set('Authorization', bearer(bob)).expect(200)
      expect(Object.keys(await list(tokens[1]))).toHaveLength(1)
    })
  })

  describe('Session.logOutAll()', () => {
    it('ends every session of the user', async () => {
      const tokens = [await logIn(app, 'ada'), await logIn(app, 'ada')]
      const bob = await logIn(app, 'bob')
      await Session.logOutAll('ada', { engine })
      for (const token of tokens) await supertest(app).get('/me').set('Authorization', bearer(token)).expect(401)
      await supertest(app).get('/me').set('Authorization', bearer(bob)).expect(200)
    })
  })

  describe('Session.logOutSession()', () => {
    it("ends one session of the user by its id, tells the 'revoke' listeners, and leaves the others", async () => {
      const options = { engine }
      const middleware = session(options)
      const revoked: Array<SessionEventMap['revoke']> = []
      middleware.on('revoke', (event) => {
        revoked.push(event)
      })
      const admin = createApp(express, options, undefined, middleware)
      const phone = await logIn(admin, 'ada', 'Phone')
      const laptop = await logIn(admin, 'ada', 'Laptop')
      const bob = await logIn(admin, 'bob')
      const phoneId = Object.values(await list(laptop)).find((entry) => entry.userAgent === 'Phone')!.id
      expect(await Session.logOutSession('ada', phoneId, options)).toBe(true)
      await supertest(admin).get('/me').set('Authorization', bearer(phone)).expect(401)
      await supertest(admin).get('/me').set('Authorization', bearer(laptop)).expect(200)
      await supertest(admin).get('/me').set('Authorization', bearer(bob)).expect(200)
      expect(revoked).toEqual([{ sessionIds: [phoneId], userId: 'ada' }])
      expect(Object.keys(await list(laptop))).toHaveLength(1)
    })

    it("resolves false for an unknown id, another user's session id, a token, and one already ended", async () => {
      const ada = await logIn(app, 'ada')
      const bob = await logIn(app, 'bob')
      const [bobId] = Object.keys(await list(bob))
      expect(await Session.logOutSession('ada', bobId, { engine })).toBe(false)
      expect(await Session.logOutSession('ada', ada, { engine })).toBe(false)
      expect(await Session.logOutSession('ada', 'no-such-session', { engine })).toBe(false)
      await supertest(app).get('/me').set('Authorization', bearer(bob)).expect(200)
      await supertest(app).get('/me').set('Authorization', bearer(ada)).expect(200)
      const [adaId] = Object.keys(await list(ada))
      expect(await Session.logOutSession('ada', adaId, { engine })).toBe(true)
      expect(await Session.logOutSession('ada', adaId, { engine })).toBe(false)
      await supertest(app).get('/me').set('Authorization', bearer(ada)).expect(401)
    })
  })

  describe('updateDeviceId()', () => {
    it('records the device on the session', async () => {
      const token = await logIn(app)
      const response = await supertest(app)
        .post('/device')
        .set('Authorization', bearer(token))
        .send({ deviceId: 'pixel-9' })
      expect(response.body.recorded).toBe(true)
      expect(Object.values(await list(token))[0].deviceId).toBe('pixel-9')
      const me = await supertest(app).get('/me').set('Authorization', bearer(token))
      expect(me.body.deviceId).toBe('pixel-9')
    })

    it.each([[42], ['x'.repeat(257)]])('refuses %p', async (deviceId) => {
      const token = await logIn(app)
      await supertest(app).post('/device').set('Authorization', bearer(token)).send({ deviceId }).expect(503)
    })
  })

  describe('the token stays secret', () => {
    it('is absent from JSON and from inspect()', async () => {
      const seen: string[] = []
      const probe = express()
      probe.use((await import('../../src')).session({ engine }))
      probe.post('/', async (request, response) => {
        await request.session.logIn('ada')
        seen.push(JSON.stringify(request.session), inspect(request.session))
        response.json({ token: request.session.token })
      })
      const { token } = (await supertest(probe).post('/')).body
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      for (const text of seen) expect(text).not.toContain(token)
      expect(seen[1]).toContain('[redacted]')
    })

    it('is readable, but absent from spread, entries, structuredClone and inspect without customInspect', async () => {
      const copies: unknown[] = []
      const probe = express()
      probe.use((await import('../../src')).session({ engine }))
      probe.post('/', async (request, response) => {
        await request.session.logIn('ada')
        const session = request.session
        copies.push(
          { ...session },
          Object.entries(session),
          Object.keys(session),
          structuredClone(session),
          inspect(session, { customInspect: false, depth: Infinity })
        )
        response.json({ token: session.token, own: Object.getOwnPropertyNames(session) })
      })
      const { token, own } = (await supertest(probe).post('/')).body
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(own).not.toContain('token')
      for (const copy of copies) expect(inspect(copy, { depth: Infinity })).not.toContain(token)
    })
  })
})
