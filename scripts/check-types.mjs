// Type-checks a consumer of the built package under every module resolution an app may use (node10, the
// default of `module: commonjs`; node16 from CommonJS and from ESM; bundler), through the package's own
// package.json as an installed dependency would be seen, so a missing `types` path fails `npm test`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
// What the package's declarations refer to, linked from this repository's install.
const LINKED = ['@types', 'express', 'redis', '@redis', 'cookie', 'pg', 'better-sqlite3']

const CONSUMER = `import type { Request } from 'express'
import { MemoryEngine, session, SessionEngineError, type SessionOptions } from 'express-session-registry'
import { RedisEngine } from 'express-session-registry/redis'
import { PostgresEngine } from 'express-session-registry/postgres'
import { SqliteEngine } from 'express-session-registry/sqlite'
import { engineConformance, type EngineConformanceOptions } from 'express-session-registry/testing'

const options: SessionOptions = { engine: new MemoryEngine(), maxSessionsPerUser: 10 }
export const middleware = session(options)
export const redis: RedisEngine = new RedisEngine({ url: 'redis://localhost:6379' })
export const postgres: PostgresEngine = new PostgresEngine({ connectionString: 'postgres://localhost/app' })
export const sqlite: SqliteEngine = new SqliteEngine({ filename: ':memory:' })
export const isEngineError = (error: unknown): boolean => error instanceof SessionEngineError
export const conformance: (options: EngineConformanceOptions) => void = engineConformance
export const userOf = (request: Request): string | null => request.session.userId
`

const MODES = [
  { name: 'node10', file: 'consumer.ts', options: { module: 'commonjs', moduleResolution: 'node10' } },
  { name: 'node16 (CommonJS)', file: 'consumer.ts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'node16 (ESM)', file: 'consumer.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'bundler', file: 'consumer.ts', options: { module: 'preserve', moduleResolution: 'bundler' } }
]

const dir = mkdtempSync(join(tmpdir(), 'esr-types-'))
try {
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'express-session-registry'), 'dir')
  for (const name of LINKED) symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER)
  writeFileSync(join(dir, 'consumer.mts'), CONSUMER)
  for (const mode of MODES) {
    const compilerOptions = {
      ...mode.options,
      target: 'es2022',
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node']
    }
    const config = join(dir, 'tsconfig.json')
    writeFileSync(config, JSON.stringify({ compilerOptions, files: [mode.file] }))
    try {
      execFileSync(process.execPath, [TSC, '-p', config], { cwd: dir, encoding: 'utf8' })
    } catch (error) {
      console.error(`types fail under ${mode.name}:\n${error.stdout ?? error.message}`)
      process.exitCode = 1
      continue
    }
    console.log(`types ok: ${mode.name}`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
