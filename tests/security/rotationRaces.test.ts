// What a rotation does when another write lands between its read and its claim, made deterministic
// by an engine that runs a write of the test's choosing just before the rotation's claim.
import supertest from 'supertest'
import { MemoryEngine, type EngineSubject } from '../../src'
import { hashToken } from '../../src/keys'
import { generateToken } from '../../src/token'
import {
  cookieToken,
  GRACE_MS,
  liveEntries,
  ROTATE_AFTER_MS,
  rotationApp,
  sleep,
  withCookie
} from '../support/rotationFlow'

/** A MemoryEngine that runs `beforeClaim` once, just before the next compare-and-set that claims an entry. */
class InterleavingEngine extends MemoryEngine {
  beforeClaim: ((token: string) => void) | undefined
  /** Runs once, just before the next write of a device id. */
  beforeDeviceId: ((token: string) => void) | undefined

  override patch(token: string, category: string, fields: EngineSubject, expectedVersion?: number): boolean {
    const hook = this.beforeClaim
    if (hook && fields.rotatedTo !== undefined) {
      this.beforeClaim = undefined
      hook(token)
    }
    const deviceHook = this.beforeDeviceId
    if (deviceHook && fields.deviceId !== undefined) {
      this.beforeDeviceId = undefined
      deviceHook(token)
    }
    return super.patch(token, category, fields, expectedVersion)
  }
}

describe('a rotation that meets another write', () => {
  let engine: InterleavingEngine
  beforeEach(() => {
    engine = new InterleavingEngine()
  })
  afterEach(() => engine.release())
  const options = () => ({ engine, rotateAfter: ROTATE_AFTER_MS, rotationGrace: GRACE_MS })

  async function dueSession(app: ReturnType<typeof rotationApp>['app'], userId: string) {
    const login = (await supertest(app).post(`/login/${userId}`).send({ n: 1 }).expect(200)).body
    await sleep(ROTATE_AFTER_MS + 50)
    return login as { token: string; id: string }
  }

  it('starts again from a fresh read when the data changed under it, and keeps that change', async () => {
    const { app, events } = rotationApp(options())
    const login = await dueSession(app, 'changed')
    engine.beforeClaim = (token) => engine.patch(token, 'auth-changed', { data: { n: 2 }, version: 1 }, 0)
    const rotated = await supertest(app).get('/me').set(withCookie(login.token)).expect(200)
    const token = cookieToken(rotated)!
    expect((await supertest(app).get('/me').set(withCookie(token)).expect(200)).body.data).toEqual({ n: 2 })
    expect(events.rotate).toHaveLength(1)
    expect(await liveEntries(engine, 'changed')).toHaveLength(1)
  })

  it('follows the pointer when another request rotated first, and issues no token of its own', async () => {
    const { app, events } = rotationApp(options())
    const login = await dueSession(app, 'first')
    engine.beforeClaim = (token) => {
      const stored = engine.get(token)!
      engine.set('winner-hash', 'auth-first', { ...stored, issuedAt: Date.now() })
      engine.patch(token, 'auth-first', { rotatedTo: 'winner-hash', rotatedAt: Date.now(), version: 1 }, 0)
    }
    const followed = await supertest(app).get('/me').set(withCookie(login.token)).expect(200)
    expect(cookieToken(followed)).toBeUndefined()
    expect(followed.body.id).toBe(login.id)
    expect(events.rotate).toBeUndefined()
    expect(await liveEntries(engine, 'first')).toHaveLength(1)
    expect(engine.get('winner-hash')).toBeDefined()
  })

  it('leaves the request without a session when the session ended under it', async () => {
    const { app, events } = rotationApp(options())
    const login = await dueSession(app, 'ended')
    engine.beforeClaim = (token) => engine.delete(token)
    const response = await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(cookieToken(response)).toBeUndefined()
    expect(events.rotate).toBeUndefined()
    expect(await liveEntries(engine, 'ended')).toHaveLength(0)
  })

  it('leaves the request without a session when the winner of the race is already gone', async () => {
    const { app } = rotationApp(options())
    const login = await dueSession(app, 'gone')
    engine.beforeClaim = (token) => {
      engine.patch(token, 'auth-gone', { rotatedTo: 'missing-hash', rotatedAt: Date.now(), version: 1 }, 0)
    }
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(await liveEntries(engine, 'gone')).toHaveLength(0)
  })
})

describe('rotation and the other session operations', () => {
  let engine: MemoryEngine
  beforeEach(() => {
    engine = new MemoryEngine()
  })
  afterEach(() => engine.release())

  it('updateDeviceId() from a request in the grace writes the live entry', async () => {
    const { app } = rotationApp({ engine, rotateAfter: ROTATE_AFTER_MS, rotationGrace: GRACE_MS })
    const login = (await supertest(app).post('/login/device').send({}).expect(200)).body
    await sleep(ROTATE_AFTER_MS + 50)
    const token = cookieToken(await supertest(app).get('/me').set(withCookie(login.token)).expect(200))!
    await supertest(app).post('/device').set(withCookie(login.token)).send({ deviceId: 'phone' }).expect(200)
    expect((await supertest(app).get('/me').set(withCookie(token)).expect(200)).body.deviceId).toBe('phone')
    await supertest(app).post('/device').set(withCookie(token)).send({ deviceId: 'tablet' }).expect(200)
    expect((await supertest(app).get('/me').set(withCookie(token)).expect(200)).body.deviceId).toBe('tablet')
  })

  it('logOut(token) with a rotated-out token of the same user ends its live session', async () => {
    const { app } = rotationApp({ engine, rotationGrace: GRACE_MS })
    const other = (await supertest(app).post('/login/owner').send({}).expect(200)).body
    const login = (await supertest(app).post('/login/owner').send({}).expect(200)).body
    const token = cookieToken(await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200))!
    const ended = await supertest(app).post('/logout').set(withCookie(other.token)).send({ target: login.token })
    expect(ended.body).toEqual({ ended: true })
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
    await supertest(app).get('/me').set(withCookie(other.token)).expect(200)
  })

  it('a log in over a rotated session ends every entry of it', async () => {
    const { app, events } = rotationApp({ engine, rotationGrace: 0 })
    const login = (await supertest(app).post('/login/again').send({}).expect(200)).body
    const token = cookieToken(await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200))!
    await supertest(app).post('/login/again').set(withCookie(token)).send({}).expect(200)
    expect(engine.getAll('rotated-again')).toEqual({})
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
    expect(events.tokenReuse).toBeUndefined()
  })

  it('remembers a rotated-out token for 30 days when the session has no timeout', async () => {
    const { app } = rotationApp({ engine, idleTimeout: false, rotationGrace: 0 })
    const login = (await supertest(app).post('/login/forever').send({}).expect(200)).body
    await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200)
    const [marker] = Object.values(engine.getAll('rotated-forever'))
    expect(Number(marker.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 60 * 60 * 1_000)
    await supertest(app).get('/me').set(withCookie(login.token)).expect(401)
  })

  it('rotate() once the response is sent throws, and changes nothing', async () => {
    const { app, lateErrors } = rotationApp({ engine })
    const login = (await supertest(app).post('/login/late').send({}).expect(200)).body
    const late = await supertest(app).post('/late-rotate').set(withCookie(login.token)).expect(200)
    expect(late.body).toEqual({})
    await sleep(20)
    expect(lateErrors).toEqual([expect.objectContaining({ code: 'ESR_SESSION_NO_RESPONSE' })])
    await supertest(app).get('/me').set(withCookie(login.token)).expect(200)
  })

  it('logOutOthers() keeps the current session and ends the others with their rotated-out tokens', async () => {
    const { app } = rotationApp({ engine, rotationGrace: 0 })
    const other = (await supertest(app).post('/login/others').send({}).expect(200)).body
    const login = (await supertest(app).post('/login/others').send({}).expect(200)).body
    await supertest(app).post('/rotate').set(withCookie(other.token)).expect(200)
    const token = cookieToken(await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200))!
    await supertest(app).post('/logout-others').set(withCookie(token)).expect(200)
    const markers = Object.values(engine.getAll('rotated-others'))
    expect(markers.map((marker) => marker.id)).toEqual([login.id])
    await supertest(app).get('/me').set(withCookie(token)).expect(200)
  })

  it('the per-user cap ends a rotated session with its rotated-out tokens', async () => {
    const { app, events } = rotationApp({ engine, maxSessionsPerUser: 1 })
    const login = (await supertest(app).post('/login/capped').send({}).expect(200)).body
    await supertest(app).post('/rotate').set(withCookie(login.token)).expect(200)
    await supertest(app).post('/login/capped').send({}).expect(200)
    expect(engine.getAll('rotated-capped')).toEqual({})
    expect(events.revoke).toEqual([expect.objectContaining({ sessionIds: [login.id] })])
  })
})

describe('a rotated-out token that leads nowhere', () => {
  let engine: InterleavingEngine
  beforeEach(() => {
    engine = new InterleavingEngine()
  })
  afterEach(() => engine.release())

  const now = Date.now()
  const entry = (id: string, fields: EngineSubject = {}): EngineSubject => ({
    id,
    userId: 'nowhere',
    firstAccessed: now,
    lastAccessed: now,
    firstIp: null,
    lastIp: null,
    userAgent: null,
    deviceId: null,
    expiresAt: Date.now() + 60_000,
    ...fields
  })
  const rotatedTo = (hash: string) => ({ rotatedTo: hash, rotatedAt: Date.now() })

  it('is no session when its successor belongs to another session', async () => {
    const { app } = rotationApp({ engine })
    const token = generateToken()
    engine.set('other-hash', 'auth-nowhere', entry('other-session'))
    engine.set(hashToken(token, undefined), 'rotated-nowhere', entry('session', rotatedTo('other-hash')))
    await supertest(app).get('/me').set(withCookie(token)).expect(401)
  })

  it('is no session past a chain of rotations longer than any grace can hold', async () => {
    const { app } = rotationApp({ engine })
    const tokens = Array.from({ length: 7 }, () => generateToken())
    const hashes = tokens.map((token) => hashToken(token, undefined))
    hashes.forEach((hash, index) => {
      const next = hashes[index + 1]
      engine.set(hash, 'rotated-nowhere', entry('session', next === undefined ? {} : rotatedTo(next)))
    })
    await supertest(app).get('/me').set(withCookie(tokens[0]!)).expect(401)
    await supertest(app).get('/me').set(withCookie(tokens[5]!)).expect(200)
  })

  it('updateDeviceId() over a session ended under it resolves false', async () => {
    const { app } = rotationApp({ engine, rotateAfter: 60_000 })
    const login = (await supertest(app).post('/login/nowhere').send({}).expect(200)).body
    engine.beforeDeviceId = (hash) => engine.delete(hash)
    const answer = await supertest(app).post('/device').set(withCookie(login.token)).send({ deviceId: 'x' })
    expect(answer.body).toEqual({ recorded: false })
  })
})
