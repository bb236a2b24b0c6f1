import { createHash } from 'node:crypto'
import express from 'express'
import supertest from 'supertest'
import { debugVariableEnables } from '../../src/debug'
import { createApp } from '../support/app'

describe('the debug log', () => {
  describe('DEBUG, read as the debug package reads it', () => {
    it.each([
      ['express-session-registry', 'on'],
      ['express-*', 'on'],
      ['*', 'on'],
      ['express:router other-lib, express-session-registry', 'on'],
      ['express:*', 'off'],
      ['express-session', 'off'],
      ['', 'off'],
      [undefined, 'off'],
      ['*,-express-session-registry', 'off'],
      ['-express-*  express-session-registry', 'off']
    ])('DEBUG=%p turns the channel %s', (value, state) => {
      expect(debugVariableEnables(value)).toBe(state === 'on')
    })
  })

  describe('with DEBUG=express-session-registry when the library loads', () => {
    const saved = process.env.DEBUG
    let written: string[]
    let stderr: jest.SpyInstance

    beforeEach(() => {
      written = []
      stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      })
    })

    afterEach(() => {
      stderr.mockRestore()
      if (saved === undefined) delete process.env.DEBUG
      else process.env.DEBUG = saved
    })

    /** The library loaded afresh, so that it reads the DEBUG variable this test set. */
    function loadWithDebug(): typeof import('../../src') {
      process.env.DEBUG = 'express-session-registry'
      let library!: typeof import('../../src')
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        library = require('../../src') as typeof import('../../src')
      })
      return library
    }

    it('writes a line per log in and engine call to standard error, naming the session id, never the token', async () => {
      const library = loadWithDebug()
      const middleware = library.session({ engine: new library.MemoryEngine() })
      const app = express()
      app.use(middleware)
      app.post('/login', async (request, response) => {
        await request.session.logIn('ada')
        response.json({ token: request.session.token, id: request.session.id })
      })
      const { token, id } = (await supertest(app).post('/login').expect(200)).body as { token: string; id: string }

      const lines = written.join('').split('\n').filter(Boolean)
      expect(lines).toContain(`express-session-registry session ${id} logged in`)
      expect(
        lines.some((line) => /^express-session-registry engine store the session: ok in [\d.]+ms$/.test(line))
      ).toBe(true)
      expect(written.join('')).not.toContain(token)
    })

    it('never writes a token, nor its hash, through cookie and Bearer use, a rotation, invalid tokens and log outs', async () => {
      const library = loadWithDebug()
      const engine = new library.MemoryEngine()
      // Every use writes, so each request logs engine calls.
      const app = createApp(express, undefined, undefined, library.session({ engine, maxWriteInterval: 0 }))
      app.post('/rotate', (request, response, next) => {
        request.session.rotate().then(() => response.json({ token: request.session.token }), next)
      })
      const logIn = async (): Promise<string> =>
        (await supertest(app).post('/login').send({ userId: 'ada' }).expect(200)).body.token as string
      const cookieToken = await logIn()
      const bearerToken = await logIn()
      const cookie = { Cookie: `session=${cookieToken}` }
      await supertest(app).get('/me').set(cookie).expect(200)
      await supertest(app).get('/me').set('Authorization', `Bearer ${bearerToken}`).expect(200)
      const rotated = await supertest(app).post('/rotate').set('Authorization', `Bearer ${bearerToken}`).expect(200)
      const rotatedToken = rotated.body.token as string
      expect(rotatedToken).not.toBe(bearerToken)
      const unknownToken = 'A'.repeat(43)
      await supertest(app).get('/me').set('Authorization', `Bearer ${unknownToken}`).expect(401)
      await supertest(app).get('/me').set('Cookie', `session=${unknownToken}`).expect(401)
      await supertest(app).post('/logout-others').set(cookie).expect(204)
      await supertest(app).post('/logout').set(cookie).expect(200)
      await engine.release()

      const output = written.join('')
      expect(output).toMatch(/ logged in\n/)
      expect(output).toMatch(/ revoked\n/)
      expect(output).toMatch(/ logged out\n/)
      expect(output).toMatch(/ engine .+: ok in /)
      for (const token of [cookieToken, bearerToken, rotatedToken, unknownToken]) {
        expect(output).not.toContain(token)
        expect(output).not.toContain(createHash('sha256').update(token).digest('base64url'))
      }
    })
  })
})
