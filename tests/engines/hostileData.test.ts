// Session data and device ids are checked on what is stored: no input gives anything but the stored
// value or a TypeError naming what was wrong (never a RangeError 500, never an own __proto__ key).
import type { Express, Request, Response } from 'express'
import supertest from 'supertest'
import { MemoryEngine, session, type SessionDataPatch } from '../../src'
import { MAX_DATA_DEPTH } from '../../src/session/data'
import { bearer, expressVersions } from '../support/app'

type Body = Record<string, unknown>

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels)

/** Builds a value `levels` arrays deep, without recursion. */
function deepArray(levels: number): unknown[] {
  const root: unknown[] = []
  let current = root
  for (let level = 1; level < levels; level++) {
    const next: unknown[] = []
    current.push(next)
    current = next
  }
  return root
}

/** A value whose `toJSON` (not an own enumerable key, so not seen by a walk of the input) returns `output`. */
function changingToJson(output: () => unknown): Body {
  const value: Body = { harmless: true }
  Object.defineProperty(value, 'toJSON', { value: output, enumerable: false })
  return value
}

function dataApp(express: (typeof expressVersions)[number][1]): Express {
  const app = express()
  app.use(express.json({ limit: '1mb' }))
  app.use(session({ engine: new MemoryEngine() }))
  const handle =
    (body: (request: Request, response: Response) => Promise<void>) =>
    (request: Request, response: Response, next: (error: unknown) => void) => {
      body(request, response).catch(next)
    }
  app.post(
    '/login',
    handle(async (request, response) => {
      await request.session.logIn('ada', { data: request.body.data })
      response.json({ token: request.session.token })
    })
  )
  app.patch(
    '/data',
    handle(async (request, response) => {
      response.json({ applied: await request.session.updateData(request.body) })
    })
  )
  app.post(
    '/device',
    handle(async (request, response) => {
      response.json({ applied: await request.session.updateDeviceId(request.body.deviceId) })
    })
  )
  app.get('/data', (request, response) => {
    response.json({ data: request.session.data, deviceId: request.session.deviceId })
  })
  app.use((error: Error, _request: Request, response: Response, _next: (error: unknown) => void) => {
    response.status(error instanceof TypeError ? 400 : 500).json({ name: error.name, error: error.message })
  })
  return app
}

describe.each(expressVersions)('hostile session data on %s', (_version, express) => {
  const app = dataApp(express)
  const logIn = async (data?: unknown) =>
    (await supertest(app).post('/login').send({ data }).expect(200)).body.token as string
  const patchData = (token: string, body: string) =>
    supertest(app).patch('/data').set('Authorization', bearer(token)).set('Content-Type', 'application/json').send(body)
  const dataOf = async (token: string) => (await supertest(app).get('/data').set('Authorization', bearer(token))).body

  it.each([
    ['JSON 20,000 levels deep', `{"deep":${nested(20_000)}}`, /session data deep.* is nested deeper than 64 levels/],
    ['JSON one level too deep', `{"deep":${nested(MAX_DATA_DEPTH)}}`, /nested deeper than 64 levels/],
    [
      'a "__proto__" key far down',
      '{"a":{"b":[{"c":{"__proto__":{"polluted":true}}}]}}',
      /a\.b\.0\.c must not have a "__proto__" key/
    ],
    ['a "prototype" key', '{"a":{"prototype":1}}', /a must not have a "prototype" key/],
    [
      'a lone surrogate in a value',
      '{"name":"x\\ud800y"}',
      /session data name must not contain a lone UTF-16 surrogate/
    ],
    [
      'a lone surrogate deep in a value',
      '{"list":[1,{"v":"\\udfff"}]}',
      /session data list\.1\.v must not contain a lone/
    ],
    ['a lone surrogate in a key', '{"k\\ud800":1}', /patch must not have a key with a lone UTF-16 surrogate/]
  ])('refuses %s from updateData() with a TypeError (400), keeping the data', async (_case, body, message) => {
    const token = await logIn({ kept: 1 })
    const response = await patchData(token, body).expect(400)
    expect(response.body).toEqual({ name: 'TypeError', error: expect.stringMatching(message) })
    expect((await dataOf(token)).data).toEqual({ kept: 1 })
    expect(({} as Body).polluted).toBeUndefined()
  })

  it('keeps data exactly 64 levels deep, a NUL character and a surrogate pair', async () => {
    const token = await logIn()
    const deep = JSON.parse(`{"deep":${nested(MAX_DATA_DEPTH - 1)}}`) as Body
    await patchData(token, JSON.stringify({ ...deep, nul: 'a\u0000b', emoji: '😀', [`\u0000k`]: 'v' })).expect(200, {
      applied: true
    })
    expect((await dataOf(token)).data).toEqual({ ...deep, nul: 'a\u0000b', emoji: '😀', '\u0000k': 'v' })
  })

  it.each([
    ['20,000 levels deep', `{"deep":${nested(20_000)}}`, /nested deeper than 64 levels/],
    ['a lone surrogate', '{"name":"\\ud83d"}', /session data name must not contain a lone UTF-16 surrogate/],
    ['a nested "constructor" key', '{"a":{"constructor":{}}}', /a must not have a "constructor" key/]
  ])('refuses %s from logIn(id, { data }), starting no session', async (_case, data, message) => {
    const response = await supertest(app)
      .post('/login')
      .set('Content-Type', 'application/json')
      .send(`{"data":${data}}`)
      .expect(400)
    expect(response.body.error).toMatch(message)
    expect(response.headers['set-cookie']).toBeUndefined()
  })

  it('refuses a deviceId with a lone surrogate from updateDeviceId(), keeping the device id', async () => {
    const token = await logIn()
    await supertest(app).post('/device').set('Authorization', bearer(token)).send({ deviceId: 'phone' }).expect(200)
    const response = await supertest(app)
      .post('/device')
      .set('Authorization', bearer(token))
      .set('Content-Type', 'application/json')
      .send('{"deviceId":"ph\\udc00one"}')
      .expect(400)
    expect(response.body.error).toMatch(/deviceId must not contain a lone UTF-16 surrogate/)
    expect((await dataOf(token)).deviceId).toBe('phone')
  })
})

describe('session data whose toJSON changes after it was checked', () => {
  const app = dataApp(expressVersions[1][1])
  let captured: { updateData(patch: SessionDataPatch): Promise<boolean>; data: Body } | undefined
  app.get('/capture', (request, response) => {
    captured = request.session as unknown as typeof captured
    response.end()
  })

  async function capturedSession() {
    const { token } = (
      await supertest(app)
        .post('/login')
        .send({ data: { kept: 1 } })
    ).body as { token: string }
    await supertest(app).get('/capture').set('Authorization', bearer(token))
    return captured!
  }

  it('cannot store an own "__proto__" key: what the toJSON returned is what is checked', async () => {
    const current = await capturedSession()
    const hostile = changingToJson(() => JSON.parse('{"__proto__":{"polluted":true}}'))
    await expect(current.updateData({ profile: hostile } as SessionDataPatch)).rejects.toThrow(
      /session data profile must not have a "__proto__" key/
    )
    expect(current.data).toEqual({ kept: 1 })
    expect(({} as Body).polluted).toBeUndefined()
  })

  it('cannot store more depth than the limit, nor fail with a RangeError', async () => {
    const current = await capturedSession()
    await expect(
      current.updateData({ shallow: changingToJson(() => ({ deep: deepArray(100) })) } as SessionDataPatch)
    ).rejects.toThrow(/nested deeper than 64 levels/)
    const thrown = await current
      .updateData({ shallow: changingToJson(() => deepArray(20_000)) } as SessionDataPatch)
      .catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(TypeError)
    expect(current.data).toEqual({ kept: 1 })
  })

  it('stores what the toJSON returned when that is plain data', async () => {
    const current = await capturedSession()
    expect(await current.updateData({ profile: changingToJson(() => ({ plan: 'pro' })) } as SessionDataPatch)).toBe(
      true
    )
    expect(current.data).toEqual({ kept: 1, profile: { plan: 'pro' } })
  })
})
