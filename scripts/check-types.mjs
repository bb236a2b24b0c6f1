// Type-checks consumers of the built package with `skipLibCheck: false` under every module resolution an
// app may use (node10, the default of `module: commonjs`; node16 from CommonJS and from ESM; bundler). Each
// consumer sits in a directory of its own holding only a copy of the built package, Express's and Node's
// types and one client, as an app that uses only that client has: a declaration that reaches for another
// client (`Cannot find module 'redis'` in an ioredis-only app) fails `npm test`.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const MODULES = join(ROOT, 'node_modules')
const TSC = join(MODULES, 'typescript', 'bin', 'tsc')
// What every app has: Express with its types, Node's types, and this package's own dependency.
const BASE = ['express', '@types/express', '@types/node', 'cookie']

const COMMON = `import type { Request } from 'express'
import { MemoryEngine, session, SessionEngineError, type SessionOptions } from 'express-session-registry'
import { engineConformance, type EngineConformanceOptions } from 'express-session-registry/testing'

const options: SessionOptions = { engine: new MemoryEngine(), maxSessionsPerUser: 10 }
export const middleware = session(options)
export const ready: Promise<void> = middleware.ready()
export const isEngineError = (error: unknown): boolean => error instanceof SessionEngineError
export const conformance: (options: EngineConformanceOptions) => void = engineConformance
export const userOf = (request: Request): string | null => request.session.userId
`

const SCENARIOS = [
  {
    name: 'redis only',
    packages: ['redis'],
    code: `import { createClient } from 'redis'
import { RedisEngine } from 'express-session-registry/redis'
export const own: RedisEngine = new RedisEngine({ url: 'redis://localhost:6379', socket: { tls: false } })
export const given: RedisEngine = new RedisEngine({ client: createClient() })
`
  },
  {
    name: 'ioredis only',
    packages: ['ioredis'],
    code: `import { Redis } from 'ioredis'
import { RedisEngine } from 'express-session-registry/redis'
export const given: RedisEngine = new RedisEngine({ client: new Redis({ lazyConnect: true }) })
`
  },
  {
    name: 'pg and better-sqlite3',
    packages: ['pg', '@types/pg', 'better-sqlite3', '@types/better-sqlite3'],
    code: `import { PostgresEngine } from 'express-session-registry/postgres'
import { SqliteEngine } from 'express-session-registry/sqlite'
export const postgres: PostgresEngine = new PostgresEngine({ connectionString: 'postgres://localhost/app' })
export const sqlite: SqliteEngine = new SqliteEngine({ filename: ':memory:' })
`
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

/** A consumer directory holding the built package (copied, so it cannot see this repository's modules). */
function consumerDirectory(packages, code) {
  const dir = mkdtempSync(join(tmpdir(), 'esr-types-'))
  const installed = join(dir, 'node_modules', 'express-session-registry')
  mkdirSync(installed, { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'))
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true })
  for (const name of withDependencies([...BASE, ...packages])) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(MODULES, name), join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  writeFileSync(join(dir, 'consumer.ts'), COMMON + code)
  writeFileSync(join(dir, 'consumer.mts'), COMMON + code)
  return dir
}

for (const scenario of SCENARIOS) {
  const dir = consumerDirectory(scenario.packages, scenario.code)
  try {
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
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
