import type { Express, Request, Response } from 'express'
import supertest from 'supertest'
import { RECENT_LOGIN_REQUIRED, requireRecentLogin } from '../../src'
import { bearer, createApp, expressVersions, logIn } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

const FIVE_MINUTES_MS = 5 * 60_000

/** Runs `work` with the clock `offsetMs` ahead. */
async function later<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  const now = Date.now() + offsetMs
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now)
  try {
    return await work()
  } finally {
    clock.mockRestore()
  }
}

const engines = engineMatrix()

describe.each(engines)('requireRecentLogin() on the $name engine', ({ engine }) => {
  describe.each(expressVersions)('%s', (_version, express) => {
    let app: Express
    beforeAll(() => {
      app = createApp(express, { engine: engine() })
      app.post('/password', requireRecentLogin(FIVE_MINUTES_MS), (_request: Request, response: Response) => {
        response.json({ changed: true })
      })
    })

    const changePassword = (token?: string, accept?: string) => {
      const request = supertest(app).post('/password')
      if (token) request.set('Authorization', bearer(token))
      if (accept) request.set('Accept', accept)
      return request
    }

    it('answers 401 without a session', async () => {
      await changePassword().expect(401)
    })

    it('lets a session logged in within maxAgeMs through', async () => {
      const token = await logIn(app, 'ada')
      await changePassword(token).expect(200, { changed: true })
      await later(FIVE_MINUTES_MS - 1_000, () => changePassword(token).expect(200))
    })

    it('answers 403 with a text body once the log in is older than maxAgeMs', async () => {
      const token = await logIn(app, 'ada')
      const response = await later(FIVE_MINUTES_MS + 1, () => changePassword(token).expect(403))
      expect(response.text).toBe(RECENT_LOGIN_REQUIRED)
      expect(response.headers['content-type']).toMatch(/^text\/plain/)
    })

    it('answers 403 with a JSON body to a client that asks for JSON', async () => {
      const token = await logIn(app, 'ada')
      const response = await later(FIVE_MINUTES_MS + 1, () => changePassword(token, 'application/json').expect(403))
      expect(response.body).toEqual({ error: 'recent_login_required', message: RECENT_LOGIN_REQUIRED })
    })

    it('lets the user through again after a fresh log in, which rotates the session', async () => {
      const stale = await logIn(app, 'ada')
      const fresh = await later(FIVE_MINUTES_MS + 1, async () => {
        const login = await supertest(app).post('/login').set('Authorization', bearer(stale)).send({ userId: 'ada' })
        return login.body.token as string
      })
      expect(fresh).not.toBe(stale)
      await later(FIVE_MINUTES_MS + 2, () => changePassword(fresh).expect(200))
      await later(FIVE_MINUTES_MS + 2, () => changePassword(stale).expect(401))
    })
  })
})

describe('requireRecentLogin(maxAgeMs)', () => {
  it.each([0, -1, 1.5, '5m', undefined, Infinity])('refuses %p with a TypeError naming maxAgeMs', (value) => {
    expect(() => requireRecentLogin(value as number)).toThrow(/option "maxAgeMs" must be a positive whole number/)
  })
})
