import express from 'express'
import supertest from 'supertest'
import { debugVariableEnables } from '../../src/debug'

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

    it('writes a line per log in and engine call to standard error, naming the session id, never the token', async () => {
      process.env.DEBUG = 'express-session-registry'
      let library!: typeof import('../../src')
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        library = require('../../src') as typeof import('../../src')
      })
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
  })
})
