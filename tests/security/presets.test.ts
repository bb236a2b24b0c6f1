import supertest from 'supertest'
import { presets, session, type SessionOptions } from '../../src'
import { createApp, expressVersions, sessionCookie } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

const engines = engineMatrix()
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' }
const PRESETS = Object.entries(presets) as Array<[keyof typeof presets, SessionOptions]>

describe('presets', () => {
  it('are plain frozen option objects that session() takes as they are, spread and overridden', () => {
    for (const [, options] of PRESETS) {
      expect(Object.isFrozen(options)).toBe(true)
      expect(() => session(options)).not.toThrow()
      expect(() => session({ ...options, idleTimeout: 5 * 60_000, maxWriteInterval: 1_000 })).not.toThrow()
    }
  })

  it("take NIST SP 800-63B-4's reauthentication numbers", () => {
    const hours = (options: SessionOptions) =>
      [options.idleTimeout, options.absoluteTimeout].map((ms) => Number(ms) / 3_600_000)
    expect(hours(presets.nistAal1)).toEqual([720, 720])
    expect(hours(presets.nistAal2)).toEqual([1, 24])
    expect(hours(presets.nistAal3)).toEqual([0.25, 12])
    expect([presets.asvsL1, presets.asvsL2, presets.asvsL3].map(hours)).toEqual(
      [presets.nistAal1, presets.nistAal2, presets.nistAal3].map(hours)
    )
  })
})

describe.each(engines)('presets end to end on $name', ({ engine }) => {
  let now: number
  beforeEach(() => {
    now = Date.now()
    jest.spyOn(Date, 'now').mockImplementation(() => now)
  })
  afterEach(() => jest.restoreAllMocks())

  describe.each(expressVersions)('%s', (_version, express) => {
    it.each(PRESETS)(
      '%s: a __Host- Secure HttpOnly cookie, its transports, its timeouts, strict cross-site',
      async (name, preset) => {
        const options = preset as SessionOptions
        const app = createApp(express, { ...options, engine: engine(), registryId: `preset-${name}` })
        const cookieOnly = options.transports?.length === 1
        const login = await supertest(app)
          .post('/login')
          .set(SAME_ORIGIN)
          .send({ userId: `user-${name}` })
          .expect(200)
        const cookie = sessionCookie(login, '__Host-session')!
        expect(cookie).toMatch(/; Secure/)
        expect(cookie).toMatch(/; HttpOnly/)
        expect(cookie).toMatch(/; Path=\//)
        expect(cookie).not.toMatch(/Domain=/i)
        expect(cookie).toMatch(new RegExp(`SameSite=${options.sameSite ?? 'lax'}`, 'i'))
        expect(login.headers['cache-control']).toBe('no-store')
        expect(login.headers.authorization).toBe(cookieOnly ? undefined : `bearer ${login.body.token}`)
        let withCookie = { Cookie: `__Host-session=${login.body.token}` }
        // Under rotation each response may carry the session's next token: the browser keeps the latest.
        const follow = (response: supertest.Response): boolean => {
          const next = /^__Host-session=([^;]+)/.exec(sessionCookie(response, '__Host-session') ?? '')?.[1]
          const rotated = next !== undefined && withCookie.Cookie !== `__Host-session=${next}`
          if (next) withCookie = { Cookie: `__Host-session=${next}` }
          return rotated
        }
        await supertest(app).get('/me').set(withCookie).expect(200)
        await supertest(app)
          .get('/me')
          .set('Authorization', `Bearer ${login.body.token}`)
          .expect(cookieOnly ? 401 : 200)

        // Strict cross-site rule: an unsafe request with none of the three headers gets no session.
        expect((await supertest(app).post('/me').set(withCookie)).body.authenticated).toBe(false)
        expect(
          (
            await supertest(app)
              .post('/me')
              .set({ ...withCookie, ...SAME_ORIGIN })
          ).body.authenticated
        ).toBe(true)

        // Kept alive by use just inside the idle timeout, the session ends at the absolute timeout.
        const idle = Number(options.idleTimeout)
        const absolute = Number(options.absoluteTimeout)
        const step = idle - Number(options.maxWriteInterval) - 1_000
        const loggedInAt = now
        let rotations = 0
        while (now + step < loggedInAt + absolute) {
          now += step
          if (follow(await supertest(app).get('/me').set(withCookie).expect(200))) rotations++
        }
        // Levels 2 and 3 rotate the token: every step is longer than rotateAfter, so each one rotated.
        expect(rotations > 0).toBe(options.rotateAfter !== undefined)
        now = loggedInAt + absolute
        await supertest(app).get('/me').set(withCookie).expect(401)

        // Unused for the idle timeout, a new session ends.
        const again = await supertest(app)
          .post('/login')
          .set(SAME_ORIGIN)
          .send({ userId: `user-${name}` })
          .expect(200)
        now += idle
        await supertest(app)
          .get('/me')
          .set({ Cookie: `__Host-session=${again.body.token}` })
          .expect(401)
      }
    )
  })
})
