import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** The bench/ folder: its own npm project, for the libraries that cannot live next to the root's Express 5. */
export const BENCH_DIR = path.resolve(__dirname, '..')
/** The repository root, where `tsx` and tsconfig.json live. */
export const ROOT_DIR = path.resolve(BENCH_DIR, '..')

const benchRequire = createRequire(path.join(BENCH_DIR, 'package.json'))

/**
 * Loads a module installed in bench/node_modules. The comparison libraries are loaded this way, typed by
 * the caller with the few calls it makes, so the root typecheck passes without bench's dependencies and
 * never meets their global declarations (the original augments `Express.Request.session` as we do).
 */
export function fromBench<T>(name: string): T {
  return benchRequire(name) as T
}

/** The file a bench dependency's specifier resolves to. */
export function benchResolve(name: string): string {
  return benchRequire.resolve(name)
}

/** The installed version of a bench dependency, for the report. */
export function benchVersion(name: string): string {
  // Read from disk: not every package exports its package.json.
  const manifest = path.join(BENCH_DIR, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

/** Installs bench's own dependencies from its lock file when any of them is missing. */
export function ensureBenchDependencies(): void {
  const manifest = JSON.parse(readFileSync(path.join(BENCH_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const missing = Object.keys(manifest.dependencies).filter(
    (name) => !existsSync(path.join(BENCH_DIR, 'node_modules', name, 'package.json'))
  )
  if (missing.length === 0) return
  process.stderr.write(`bench: installing bench/ dependencies (missing: ${missing.join(', ')})\n`)
  const result = spawnSync('npm', ['ci', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit']
  })
  if (result.status !== 0) throw new Error(`npm ci --prefix bench failed (exit ${result.status})`)
}
