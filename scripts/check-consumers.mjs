// Installs the package as `npm pack` makes it into apps that each have only one client (node-redis alone,
// ioredis alone, iovalkey alone, pg and better-sqlite3), then in each app: type-checks a consumer with
// `skipLibCheck: false` under every module resolution an app may use (node10, node16 from CommonJS and from ESM, bundler), and
// runs a CommonJS and an ESM consumer that log in and make an authenticated request against a real
// redis-server (or SQLite). A declaration or a `require` that reaches for a client the app does not have
// (`Cannot find module 'redis'` in an ioredis-only app) fails `npm test`.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const MODULES = join(ROOT, 'node_modules')
const TSC = join(MODULES, 'typescript', 'bin', 'tsc')
// What every app has: Express with its types, Node's types, and this package's own dependency.
const BASE = ['express', '@types/express', '@types/node', 'cookie']
// Files the package must ship beside its build.
const SHIPPED = ['package.json', 'README.md', 'CHANGELOG.md', 'SECURITY.md', 'LICENSE', 'dist/index.js']

const COMMON_TYPES = `import type { IncomingMessage } from 'node:http'
import type { Request } from 'express'
import { MemoryEngine, session, SessionEngineError, type SessionOptions } from 'express-session-registry'
import { engineConformance, type EngineConformanceOptions } from 'express-session-registry/testing'

const options: SessionOptions = { engine: new MemoryEngine(), maxSessionsPerUser: 10 }
export const middleware = session(options)
export const ready: Promise<void> = middleware.ready()
export const isEngineError = (error: unknown): boolean => error instanceof SessionEngineError
export const conformance: (options: EngineConformanceOptions) => void = engineConformance
export const userOf = (request: Request): string | null => request.session.userId
// socket.io's \`socket.request\` is a raw Node request, typed with the same session.
export const rawUserOf = (request: IncomingMessage): string | null => request.session.userId
`

// A runtime consumer: `load(name)` is `require` or `import` (`loadDefault` takes a default export);
// `makeEngine` builds the app's engine from the entry point it names, after its `prelude(load)`.
const runtime = (load, loadDefault, makeEngine) => `const express = ${loadDefault('express')}
const { session, authenticateRequest } = ${load('express-session-registry')}
const entry = ${load(makeEngine.entry)}
${makeEngine.prelude?.(load) ?? ''}
const engine = ${makeEngine.code}
const middleware = session({ engine })
await middleware.ready()
const app = express()
app.use(middleware)
app.post('/login', async (request, response) => {
  await request.session.logIn('ada')
  response.json({ token: request.session.token })
})
app.get('/me', authenticateRequest, (request, response) => response.json({ userId: request.session.userId }))
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = 'http://127.0.0.1:' + server.address().port
const { token } = await (await fetch(base + '/login', { method: 'POST' })).json()
const me = await fetch(base + '/me', { headers: { authorization: 'Bearer ' + token } })
const body = await me.json()
server.close()
await middleware.release()
await engine.release() // an engine the app built is the app's to release
${makeEngine.cleanup ?? ''}
if (me.status !== 200 || body.userId !== 'ada') throw new Error('authenticated request answered ' + me.status)
`

/** An app with only `clientPackage`, ioredis or its fork iovalkey: both export `Redis` and `Cluster`. */
function ioredisFamilyScenario(clientPackage) {
  return {
    name: `${clientPackage} only`,
    packages: [clientPackage],
    types: `import { Cluster, Redis } from '${clientPackage}'
import { RedisEngine } from 'express-session-registry/redis'
export const given: RedisEngine = new RedisEngine({ client: new Redis({ lazyConnect: true }) })
const nodes = [{ host: 'localhost', port: 7000 }]
export const cluster: RedisEngine = new RedisEngine({ client: new Cluster(nodes, { lazyConnect: true }) })
`,
    engine: {
      entry: 'express-session-registry/redis',
      prelude: (load) => `const { Redis } = ${load(clientPackage)}\nconst client = new Redis(process.env.REDIS_URL)`,
      code: 'new entry.RedisEngine({ client })',
      cleanup: 'await client.quit()'
    }
  }
}

const SCENARIOS = [
  {
    name: 'redis only',
    packages: ['redis'],
    types: `import { createClient } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
export const own: RedisEngine = new RedisEngine({ url: 'redis://localhost:6379', socket: { tls: false } })
export const given: RedisEngine = new RedisEngine({ client: createClient() })
`,
    engine: { entry: 'express-session-registry/redis', code: 'new entry.RedisEngine({ url: process.env.REDIS_URL })' }
  },
  ioredisFamilyScenario('ioredis'),
  ioredisFamilyScenario('iovalkey'),
  {
    name: 'pg and better-sqlite3',
    packages: ['pg', '@types/pg', 'better-sqlite3', '@types/better-sqlite3'],
    types: `import { PostgresEngine } from 'express-session-registry/postgres'
import { SqliteEngine } from 'express-session-registry/sqlite'
export const postgres: PostgresEngine = new PostgresEngine({ connectionString: 'postgres://localhost/app' })
export const sqlite: SqliteEngine = new SqliteEngine({ filename: ':memory:' })
`,
    engine: { entry: 'express-session-registry/sqlite', code: "new entry.SqliteEngine({ filename: ':memory:' })" }
  }
]

const MODES = [
  { name: 'node10', file: 'consumer.ts', options: { module: 'commonjs', moduleResolution: 'node10' } },
  { name: 'node16 (CommonJS)', file: 'consumer.ts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'node16 (ESM)', file: 'consumer.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'bundler', file: 'consumer.ts', options: { module: 'preserve', moduleResolution: 'bundler' } }
]

/** `names` and every package they depend on, as installed here (hoisted, as npm installs them). */
function withDependencies(names) {
  const found = new Set()
  const visit = (name) => {
    if (found.has(name) || !existsSync(join(MODULES, name, 'package.json'))) return
    found.add(name)
    const manifest = JSON.parse(readFileSync(join(MODULES, name, 'package.json'), 'utf8'))
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency)
  }
  names.forEach(visit)
  return [...found]
}

/** The tarball `npm pack` makes of the built package (no rebuild: `npm test` has just built it). */
function pack(into) {
  const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: ROOT,
    encoding: 'utf8'
  })
  const [{ filename, files }] = JSON.parse(output)
  const paths = new Set(files.map((file) => file.path))
  const missing = SHIPPED.filter((path) => !paths.has(path))
  if (missing.length > 0) throw new Error(`npm pack leaves out ${missing.join(', ')}`)
  return join(into, filename)
}

/** An app directory with the packed package installed and, of the other packages, only `packages`. */
function consumerDirectory(tarball, packages) {
  const dir = mkdtempSync(join(tmpdir(), 'esr-consumer-'))
  const installed = join(dir, 'node_modules', 'express-session-registry')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'])
  for (const name of withDependencies([...BASE, ...packages])) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(MODULES, name), join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  return dir
}

function checkTypes(dir, scenario) {
  writeFileSync(join(dir, 'consumer.ts'), COMMON_TYPES + scenario.types)
  writeFileSync(join(dir, 'consumer.mts'), COMMON_TYPES + scenario.types)
  for (const mode of MODES) {
    const compilerOptions = {
      ...mode.options,
      target: 'es2022',
      strict: true,
      skipLibCheck: false,
      esModuleInterop: true,
      noEmit: true,
      types: ['node']
    }
    const config = join(dir, 'tsconfig.json')
    writeFileSync(config, JSON.stringify({ compilerOptions, files: [mode.file] }))
    try {
      execFileSync(process.execPath, [TSC, '-p', config], { cwd: dir, encoding: 'utf8' })
    } catch (error) {
      console.error(`types fail with ${scenario.name} under ${mode.name}:\n${error.stdout ?? error.message}`)
      process.exitCode = 1
      continue
    }
    console.log(`types ok with ${scenario.name}: ${mode.name}`)
  }
}

function checkRuntime(dir, scenario, env) {
  const loaders = {
    'CommonJS (require)': { file: 'app.cjs', load: (name) => `require(${JSON.stringify(name)})`, wrap: true },
    'ESM (import)': { file: 'app.mjs', load: (name) => `await import(${JSON.stringify(name)})`, wrap: false }
  }
  for (const [label, { file, load, wrap }] of Object.entries(loaders)) {
    const loadDefault = (name) => (wrap ? load(name) : `(${load(name)}).default`)
    let code = runtime(load, loadDefault, scenario.engine)
    if (wrap) code = `;(async () => {\n${code}\n})().catch((error) => { console.error(error); process.exit(1) })\n`
    writeFileSync(join(dir, file), code)
    try {
      execFileSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8', stdio: 'pipe', timeout: 30_000 })
    } catch (error) {
      console.error(`runtime fails with ${scenario.name} in ${label}:\n${error.stderr || error.message}`)
      process.exitCode = 1
      continue
    }
    console.log(`runtime ok with ${scenario.name}: ${label}`)
  }
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A throwaway redis-server for the runtime consumers; stopped when the check ends. */
async function startRedis() {
  const port = await freePort()
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore'
    }
  )
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' })
      return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill('SIGKILL') }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  server.kill('SIGKILL')
  throw new Error(`redis-server did not answer on port ${port}`)
}

const work = mkdtempSync(join(tmpdir(), 'esr-pack-'))
const redis = await startRedis()
try {
  const tarball = pack(work)
  for (const scenario of SCENARIOS) {
    const dir = consumerDirectory(tarball, scenario.packages)
    try {
      checkTypes(dir, scenario)
      checkRuntime(dir, scenario, { ...process.env, REDIS_URL: redis.url, NODE_PATH: '' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
} finally {
  redis.stop()
  rmSync(work, { recursive: true, force: true })
}
