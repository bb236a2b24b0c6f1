// The core's field-level writes: on an engine with only the older contract (no patch) they fall back to
// get + merge + update (or set), and updateData()'s compare-and-set reads again when another write got
// there first, a bounded number of times.
import type { Express } from 'express'
import supertest from 'supertest'
import {
  MemoryEngine,
  SessionEngineError,
  session,
  type EngineSubject,
  type Session,
  type SessionDataPatch,
  type SessionEngine
} from '../../src'
import { MapEngine, MinimalMapEngine } from '../fixtures/thirdPartyEngine'
import { bearer, expressVersions } from '../support/app'

// The app declares no SessionData fields; these tests write arbitrary ones.
const patchOf = (value: Record<string, unknown>): SessionDataPatch => value as SessionDataPatch

function captureApp(engine: SessionEngine): { app: Express; current: () => Session } {
  const express = expressVersions[1][1]
  const app = express()
  let captured: Session | undefined
  app.use(session({ engine, trackSessionAccess: true }))
  app.post('/login', (request, response, next) => {
    request.session
      .logIn('ada', { data: patchOf({ kept: 1 }) })
      .then(() => response.json({ token: request.session.token }), next)
  })
  app.get('/capture', (request, response) => {
    captured = request.session
    response.json({ data: request.session.data, deviceId: request.session.deviceId })
  })
  return { app, current: () => captured! }
}

async function loggedIn(app: Express): Promise<string> {
  return (await supertest(app).post('/login').expect(200)).body.token as string
}

const withoutPatch = (engine: MapEngine): SessionEngine => Object.assign(engine, { patch: undefined })

describe.each([
  ['with update() but no patch()', () => new MapEngine()],
  ['with the token-registry contract alone', () => new MinimalMapEngine()]
] as Array<[string, () => SessionEngine]>)('an engine %s', (_name, build) => {
  it('tracks access, records a device id and merges data over the entry as stored', async () => {
    const { app, current } = captureApp(build())
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(await current().updateDeviceId('phone')).toBe(true)
    expect(await current().updateData(patchOf({ plan: 'pro' }))).toBe(true)
    expect(await current().updateData(patchOf({ kept: undefined }))).toBe(true)
    const seen = await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(seen.body).toEqual({ data: { plan: 'pro' }, deviceId: 'phone' })
  })

  it('resolves false from updateData() and updateDeviceId() once the session is gone', async () => {
    const engine = build()
    const { app, current } = captureApp(engine)
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    const session = current()
    await engine.clear()
    expect(await session.updateData(patchOf({ late: true }))).toBe(false)
    expect(session.authenticated).toBe(false)
  })
})

describe('updateData() over a compare-and-set', () => {
  it('merges into what another write stored in between, losing neither', async () => {
    const engine = new MemoryEngine()
    const { app, current } = captureApp(engine)
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    const stale = current()
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(await current().updateData(patchOf({ other: 'write' }))).toBe(true)
    // `stale` read version 0; its write is refused, read again and merged into version 1.
    expect(await stale.updateData(patchOf({ mine: true }))).toBe(true)
    expect(stale.data).toEqual({ kept: 1, other: 'write', mine: true })
    const seen = await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(seen.body.data).toEqual({ kept: 1, other: 'write', mine: true })
  })

  it('resolves false when the session is gone by the time it reads again', async () => {
    const engine = new MemoryEngine()
    const patch = engine.patch.bind(engine)
    const { app, current } = captureApp(engine)
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    engine.patch = (token, category, fields, expectedVersion) => {
      if (expectedVersion === undefined) return patch(token, category, fields)
      engine.clear()
      return false
    }
    expect(await current().updateData(patchOf({ late: true }))).toBe(false)
    expect(current().authenticated).toBe(false)
  })

  it('gives up with a SessionEngineError when every attempt meets another write', async () => {
    const engine = new MemoryEngine()
    const patch = engine.patch.bind(engine)
    const { app, current } = captureApp(engine)
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    let attempts = 0
    engine.patch = (token: string, category: string, fields: EngineSubject, expectedVersion?: number) => {
      if (expectedVersion === undefined) return patch(token, category, fields)
      attempts += 1
      return false
    }
    await expect(current().updateData(patchOf({ never: true }))).rejects.toBeInstanceOf(SessionEngineError)
    expect(attempts).toBe(16)
  })

  it('falls back on an engine without patch() and still refuses a stale version', async () => {
    const engine = withoutPatch(new MapEngine())
    const { app, current } = captureApp(engine)
    const token = await loggedIn(app)
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    const stale = current()
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(await current().updateData(patchOf({ first: 1 }))).toBe(true)
    expect(await stale.updateData(patchOf({ second: 2 }))).toBe(true)
    const seen = await supertest(app).get('/capture').set('Authorization', bearer(token))
    expect(seen.body.data).toEqual({ kept: 1, first: 1, second: 2 })
  })
})
