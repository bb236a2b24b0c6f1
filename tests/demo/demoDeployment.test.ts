import { gzipSync } from 'node:zlib'
import supertest from 'supertest'
import { MemoryEngine } from 'express-session-registry'
import { createDemoApp } from '../../examples/demo/app'
import { trustProxyFrom } from '../../examples/demo/trustProxy'

const PASSWORD = 'correct-horse'

let engine: MemoryEngine
beforeEach(() => {
  engine = new MemoryEngine()
})
afterEach(() => {
  engine.release()
  jest.restoreAllMocks()
})

function sessionCookie(response: supertest.Response): string | undefined {
  const lines = response.headers['set-cookie'] as unknown as string[] | undefined
  return lines?.find((line) => line.startsWith('session='))
}

describe('a body whose Content-Encoding does not decode', () => {
  it.each([
    ['the JSON API', '/api/login', 'application/json', /^application\/json/],
    ['the sign-in form', '/login', 'application/x-www-form-urlencoded', /^text\/html/]
  ])('is a 400 on %s, logged without a stack trace', async (_case, path, type, answered) => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const app = createDemoApp({ engine })
    for (const [encoding, body] of [
      ['gzip', 'not gzip at all'],
      ['deflate', 'nor deflate'],
      ['br', 'nor brotli'],
      ['gzip', gzipSync('username=alice').subarray(0, 12)]
    ] as const) {
      const response = await supertest(app)
        .post(path)
        .set('Content-Type', type)
        .set('Content-Encoding', encoding)
        .send(body)
      expect(response.status).toBe(400)
      expect(response.headers['content-type']).toMatch(answered)
      expect(response.text).toContain('The request body cannot be read.')
    }
    expect(logged).not.toHaveBeenCalled()
  })
})

describe('TRUST_PROXY', () => {
  it.each<[string | undefined, ReturnType<typeof trustProxyFrom>]>([
    [undefined, undefined],
    ['', undefined],
    ['1', 1],
    [' 2 ', 2],
    ['true', true],
    ['false', false],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8']
  ])('reads %p as Express’s trust proxy %p', (value, expected) => {
    expect(trustProxyFrom(value)).toEqual(expected)
  })

  it('refuses at start-up a value Express cannot read', () => {
    expect(() => createDemoApp({ engine, trustProxy: trustProxyFrom('not-an-address') })).toThrow(/invalid IP/)
  })

  describe('behind an HTTPS proxy', () => {
    const viaProxy = {
      Host: 'demo.example',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-For': '203.0.113.9',
      Origin: 'https://demo.example'
    }

    const signIn = (app: ReturnType<typeof createDemoApp>) =>
      supertest(app).post('/login').set(viaProxy).type('form').send({ username: 'alice', password: PASSWORD })

    it('signs in with a Secure cookie and sees the client’s address with TRUST_PROXY=1', async () => {
      const app = createDemoApp({ engine, trustProxy: trustProxyFrom('1') })
      const response = await signIn(app).expect(303)
      const cookie = sessionCookie(response)!
      expect(cookie).toMatch(/; Secure/)
      const account = await supertest(app).get('/').set(viaProxy).set('Cookie', cookie.split(';')[0]).expect(200)
      expect(account.text).toContain('203.0.113.9')
      const logout = await supertest(app).post('/logout').set(viaProxy).set('Cookie', cookie.split(';')[0])
      expect(logout.status).toBe(303)
      expect(sessionCookie(logout)).toMatch(/^session=;/)
    })

    it('still signs in without it, but the cookie lacks Secure', async () => {
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
      const response = await signIn(createDemoApp({ engine })).expect(303)
      expect(sessionCookie(response)).not.toMatch(/; Secure/)
    })
  })
})
