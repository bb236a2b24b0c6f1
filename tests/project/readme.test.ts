// The original package's README examples, unchanged but for the import path; then those of this README and docs/.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import ts from 'typescript'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import supertest from 'supertest'
import { authenticateRequest, injectSession, MemoryEngine, session, Session } from 'express-session-registry'
import { readmeExamples } from '../support/readmeExamples'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      currentUser?: { id: string | null }
    }
  }
}

const User = { find: async (id: string | null) => ({ id }) }

describe('the original README examples', () => {
  const engine = new MemoryEngine()
  afterAll(() => engine.release())

  it('session() with an engine, authenticateRequest and logIn', async () => {
    const app = express()
    app.use(session({ engine }))
    app.post('/login', async (request, response) => {
      await request.session.logIn(request.query.id as string)
      response.end()
    })
    app.get('/private', authenticateRequest, async (request, response) => {
      response.end()
    })
    await supertest(app).get('/private').expect(401)
    const login = await supertest(app).post('/login?id=7')
    await supertest(app).get('/private').set('Authorization', login.headers.authorization).expect(200)
    await supertest(app).get('/private').set('Cookie', login.headers['set-cookie']).expect(200)
  })

  it('a custom authenticateRequest reading authenticatableID', async () => {
    async function authenticateRequest(request: Request, response: Response, next: NextFunction) {
      if (request.session.authenticated) {
        request.currentUser = await User.find(request.session.authenticatableID)
        next()
      } else {
        response.status(401).end()
      }
    }
    const app = express()
    app.use(session({ engine }))
    app.post('/login', async (request, response) => {
      await request.session.logIn(42)
      response.end()
    })
    app.get('/', authenticateRequest, async (request, response) => {
      const currentUser = await User.find(request.session.authenticatableID)
      response.json({ currentUser, viaMiddleware: request.currentUser })
    })
    const login = await supertest(app).post('/login')
    const me = await supertest(app).get('/').set('Authorization', login.headers.authorization).expect(200)
    expect(me.body).toEqual({ currentUser: { id: '42' }, viaMiddleware: { id: '42' } })
  })

  it('injectSession() in a custom middleware, and the static activeSessions()', async () => {
    const options = { engine }
    const app = express()
    app.use(async (request, response, next) => {
      await injectSession(request, response, options)
      next()
    })
    app.post('/login', async (request, response) => {
      await request.session.logIn('ada')
      response.end()
    })
    app.get('/devices', async (request, response) => {
      response.json(await request.session.activeSessions())
    })
    const login = await supertest(app).post('/login')
    const devices = await supertest(app).get('/devices').set('Authorization', login.headers.authorization)
    expect(Object.keys(devices.body)).toHaveLength(1)
    expect(Object.keys(await Session.activeSessions('ada', options))).toEqual(Object.keys(devices.body))
  })
})

describe('the examples of the README and of docs/', () => {
  const examples = readmeExamples()
  const ROOT = join(__dirname, '../..')

  const name = (example: (typeof examples)[number]) => `${example.file}: ${example.title}`

  it('include the quick start, the readiness probe, the guard and the Redis and PostgreSQL setups', () => {
    expect(examples.map(name)).toEqual(
      expect.arrayContaining([
        'README.md: Quick start',
        'README.md: `session(options?)`',
        'README.md: `requireSession(options?)`',
        'docs/redis.md: Standalone Redis',
        'docs/postgres.md: Setup'
      ])
    )
  })

  it('type-check under strict', () => {
    const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile)
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT)
    // The examples' own placeholder, declared as an app would have it.
    const prelude =
      '\ndeclare function checkPassword(username: unknown, password: unknown): Promise<{ id: string } | undefined>\n'
    const files = new Map(
      examples.map((example, index) => [join(ROOT, 'tests', `readme-example-${index}.ts`), example.code + prelude])
    )
    const host = ts.createCompilerHost({ ...options, noEmit: true })
    const { getSourceFile, fileExists, readFile } = host
    host.fileExists = (name) => files.has(name) || fileExists(name)
    host.readFile = (name) => files.get(name) ?? readFile(name)
    host.getSourceFile = (name, language, ...rest) =>
      files.has(name) ? ts.createSourceFile(name, files.get(name)!, language) : getSourceFile(name, language, ...rest)
    const program = ts.createProgram([...files.keys()], { ...options, strict: true, noEmit: true }, host)
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file && files.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
        const example = examples[[...files.keys()].indexOf(diagnostic.file!.fileName)]
        return `${name(example)}, line ${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
      })
    expect(problems).toEqual([])
  })

  describe.each(['4', '5'])('on Express %s with the engine failing', (major) => {
    let redisUrl: string
    let databaseUrl: string
    beforeAll(async () => {
      // A port nothing listens on: the Redis and PostgreSQL examples meet a store that is down.
      const probe = createServer().listen(0, '127.0.0.1')
      await once(probe, 'listening')
      const { port } = probe.address() as AddressInfo
      redisUrl = `redis://127.0.0.1:${port}`
      databaseUrl = `postgres://127.0.0.1:${port}/app`
      await new Promise((resolve) => probe.close(resolve))
    })

    it.each(examples.map((example, index): [string, number] => [name(example), index]))(
      '%s answers 503 and the process stays up',
      async (_title, index) => {
        const example = examples[index]
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(__dirname, '..', 'support', 'readmeRunner.ts')],
          {
            cwd: ROOT,
            env: {
              ...process.env,
              README_EXAMPLE: String(index),
              README_EXPRESS: major,
              REDIS_URL: redisUrl,
              DATABASE_URL: databaseUrl
            }
          }
        )
        let output = ''
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
        try {
          const port = await new Promise<string>((resolve, reject) => {
            child.stdout.on('data', () => {
              const ready = /READY (\d+)/.exec(output)
              if (ready) resolve(ready[1])
            })
            child.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)))
          })
          const base = `http://127.0.0.1:${port}`
          const routes = example.routes.length > 0 ? example.routes : [['get', '/'] as [string, string]]
          const agent = supertest(base)
          const send = (method: string, path: string, headers: Record<string, string> = {}) =>
            agent[method as 'get'](path)
              .set(headers)
              .send({ username: 'ada', password: 'correct-horse' })
              .catch((error: Error) => {
                throw new Error(`${method.toUpperCase()} ${path}: ${error.message}\n${output}`)
              })
          const anonymous: number[] = []
          for (const [method, path] of routes) {
            const withToken = await send(method, path, { Authorization: `Bearer ${'a'.repeat(43)}` })
            expect([method, path, withToken.status]).toEqual([method, path, 503])
            anonymous.push((await send(method, path)).status)
          }
          // Without a token only handlers that reach the engine fail, and those answer 503 too.
          for (const status of anonymous) expect(status === 503 || status < 500).toBe(true)
          if (example.code.includes('logIn(')) expect(anonymous).toContain(503)
          expect(child.exitCode).toBeNull()
          await supertest(base).get('/')
          expect(child.exitCode).toBeNull()
        } finally {
          child.kill()
        }
      }
    )
  })
})
