import { parse } from 'cookie'
import type { Request, Response } from 'express'
import express from 'express'
import { createHmac, hash } from 'node:crypto'
import supertest from 'supertest'
import { MemoryEngine, session, type EngineSubject } from '../../src'
import { cookieValue } from '../../src/cookie'
import { hashToken } from '../../src/keys'
import { bearer } from '../support/app'

const TOKEN = 'q3JbXoWm0m1vY9b0tK7cXfF1sYcV2l8h3Jr5kP0aZyE'

/** An app over `engine` whose `/me` says who the request's session belongs to, and its facts. */
function whoAmI(engine: MemoryEngine, registryId?: string) {
  const app = express()
  app.use(session({ engine, registryId }))
  app.get('/me', (request: Request, response: Response) => {
    response.json({ userId: request.session.authenticatableId })
  })
  return app
}

function storedSession(now: number): EngineSubject {
  return {
    id: 'session-of-a-previous-release',
    userId: 'ada',
    firstAccessed: now - 60_000,
    lastAccessed: now - 1_000,
    firstIp: '127.0.0.1',
    lastIp: '127.0.0.1',
    userAgent: 'agent',
    deviceId: null,
    expiresAt: now + 3_600_000
  }
}

describe('token hashes stay those of earlier releases', () => {
  // Computed by the release before the hashing was made one-shot: a session stored then must still be found.
  it.each([
    [undefined, 'I2HuXBSJM8WhV2tKBXabg3G_ZgQ74sKrbY13U_l5Q3o', 'auth-'],
    ['shop-eu', 'kM5nG0faSXf7O9iEHfT6nlh3YaK1iZtjDpCW3jx3e70', 'auth:bK_QjpGzeysc_Opj:'],
    ['x'.repeat(80), 'IZoxKe_mN0sZAq3HWdmGS5_ZWmUhWjHBVvCbIhyly90', 'auth:5I59h1y1YKSN0plB:'],
    ['café', 'wb2nlNyJrFex932dKZ0fMgYFmUCNhu-lrdUCAC7P_PM', 'auth:yytHlGcr52LhJCd2:']
  ])('finds a session stored under registryId %p', async (registryId, storedHash, categoryPrefix) => {
    const engine = new MemoryEngine()
    engine.set(storedHash, `${categoryPrefix}ada`, storedSession(Date.now()))
    await supertest(whoAmI(engine, registryId))
      .get('/me')
      .set('Authorization', bearer(TOKEN))
      .expect(200, { userId: 'ada' })
    engine.release()
  })

  it('is HMAC-SHA-256 keyed by the registry id, for keys short and long, ASCII or not', () => {
    const keys = ['a', 'shop-eu', 'k'.repeat(64), 'k'.repeat(65), 'ключ', '\u007f'.repeat(64), 'a\u0000b']
    const messages = [TOKEN, 'category', 'é☃', '']
    for (const key of keys) {
      for (const message of messages) {
        expect(hashToken(message, key)).toBe(createHmac('sha256', key).update(message).digest('base64url'))
      }
    }
    expect(hashToken(TOKEN, undefined)).toBe(hash('sha256', TOKEN, 'base64url'))
  })
})

describe('the session cookie read from a hostile Cookie header', () => {
  const engine = new MemoryEngine()
  const app = whoAmI(engine)
  let token = ''
  beforeAll(async () => {
    const login = express()
    login.use(session({ engine }))
    login.post('/login', (request: Request, response: Response) => {
      void request.session.logIn('ada').then(() => response.json({ token: request.session.token }))
    })
    token = (await supertest(login).post('/login').expect(200)).body.token as string
  })
  afterAll(() => engine.release())

  const me = (cookie: string) => supertest(app).get('/me').set('Cookie', cookie).expect(200)

  it('finds it among other cookies, with spaces and tabs around the name and the value', async () => {
    expect((await me(`a=1; theme=dark; session=${token}; lang=en`)).body).toEqual({ userId: 'ada' })
    expect((await me(`a=1;  \tsession \t=  ${token} \t;b=2`)).body).toEqual({ userId: 'ada' })
    expect((await me(`session=${token}`)).body).toEqual({ userId: 'ada' })
  })

  it('takes the first of duplicates, as the cookie package does', async () => {
    expect((await me(`session=${token}; session=${'B'.repeat(43)}`)).body).toEqual({ userId: 'ada' })
    expect((await me(`session=${'B'.repeat(43)}; session=${token}`)).body).toEqual({ userId: null })
  })

  it('does not take the name inside another cookie’s value, nor a cookie whose name has it as a prefix', async () => {
    expect((await me(`other=session=${token}`)).body).toEqual({ userId: null })
    expect((await me(`other="session=${token}"`)).body).toEqual({ userId: null })
    expect((await me(`sessionx=${token}; xsession=${token}; sessio=${token}`)).body).toEqual({ userId: null })
    expect((await me(`session${token}; a=1`)).body).toEqual({ userId: null })
  })

  it('decodes a percent-encoded value, and keeps a quoted one (which is no token) as it is', async () => {
    const encoded = token.replace(/-/g, '%2D').replace(/_/g, '%5F').replace(/A/g, '%41')
    expect((await me(`session=${encoded}`)).body).toEqual({ userId: 'ada' })
    expect((await me(`session="${token}"`)).body).toEqual({ userId: null })
    expect((await me('session=%E0%A4%A; a=1')).body).toEqual({ userId: null })
  })

  it('reads every header as cookie.parse reads it', () => {
    const pieces = ['session', 'sessio', 'sessionx', 'a', ' ', '\t', '=', ';', '"', '%', '%41', '%zz', 'tok', ',', 'é']
    // A fixed linear congruential sequence: the same headers on every run.
    let seed = 20
    const next = (bound: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % bound
    }
    for (let header = 0; header < 20_000; header++) {
      let text = ''
      for (let piece = next(12) + 1; piece > 0; piece--) text += pieces[next(pieces.length)]
      for (const name of ['session', 'a']) expect([text, cookieValue(text, name)]).toEqual([text, parse(text)[name]])
    }
  })
})

describe('the Bearer header', () => {
  const engine = new MemoryEngine()
  const app = whoAmI(engine)
  let token = ''
  beforeAll(async () => {
    const login = express()
    login.use(session({ engine }))
    login.post('/login', (request: Request, response: Response) => {
      void request.session.logIn('ada').then(() => response.json({ token: request.session.token }))
    })
    token = (await supertest(login).post('/login').expect(200)).body.token as string
  })
  afterAll(() => engine.release())

  const me = (authorization: string, cookie?: string) => {
    const request = supertest(app).get('/me').set('Authorization', authorization)
    if (cookie) request.set('Cookie', cookie)
    return request.expect(200).then((response) => response.body as { userId: string | null })
  }

  it('takes the scheme in any case, the token between blanks', async () => {
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER\t${token}\t`, `Bearer   ${token}  `]) {
      expect(await me(header)).toEqual({ userId: 'ada' })
    }
  })

  it('is no Bearer token with anything else after the token: the cookie then decides, as with no header', async () => {
    for (const header of [`Bearer ${token} extra`, `Bearer ${token}\u00a0`, 'Bearer', 'Bearer   ']) {
      expect(await me(header)).toEqual({ userId: null })
      expect(await me(header, `session=${token}`)).toEqual({ userId: 'ada' })
    }
  })

  it('leaves another scheme to the cookie', async () => {
    expect(await me(`Basic ${token}`, `session=${token}`)).toEqual({ userId: 'ada' })
    expect(await me(`Bearer${token}`, `session=${token}`)).toEqual({ userId: 'ada' })
  })
})

describe('session times', () => {
  it('are Dates of the stored times, and changing one read does not change the session', async () => {
    const engine = new MemoryEngine()
    const now = Date.now()
    const stored = storedSession(now)
    engine.set(hashToken(TOKEN, undefined), 'auth-ada', stored)
    const app = express()
    app.use(session({ engine }))
    app.get('/me', (request: Request, response: Response) => {
      const { firstAccessed, expiresAt } = request.session
      firstAccessed?.setTime(0)
      response.json({
        firstAccessed: request.session.firstAccessed?.getTime(),
        expiresAtNotBefore: (expiresAt?.getTime() ?? 0) >= (stored.expiresAt as number),
        lastAccessedIsDate: request.session.lastAccessed instanceof Date,
        lastAccessedNotBefore: (request.session.lastAccessed?.getTime() ?? 0) >= now
      })
    })
    const response = await supertest(app).get('/me').set('Authorization', bearer(TOKEN)).expect(200)
    expect(response.body).toEqual({
      firstAccessed: stored.firstAccessed,
      expiresAtNotBefore: true,
      lastAccessedIsDate: true,
      lastAccessedNotBefore: true
    })
    engine.release()
  })
})
