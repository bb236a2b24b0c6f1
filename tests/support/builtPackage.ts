import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './appProcess'

/** An app directory holding the package as built from this source, and only the packages it is given. */
export interface BuiltPackageApp {
  readonly dir: string
  /** Runs `script` (CommonJS) with Node in the app directory; resolves its standard output. */
  run(script: string, env?: NodeJS.ProcessEnv): string
  remove(): void
}

/**
 * Builds the package into `node_modules/express-session-registry` of a new directory that copies only
 * `packages` from this repository's install, so what is not listed is missing there as on an app's machine.
 */
export function builtPackageApp(packages: readonly string[]): BuiltPackageApp {
  const dir = mkdtempSync(join(tmpdir(), 'esr-app-'))
  const installed = join(dir, 'node_modules', 'express-session-registry')
  mkdirSync(installed, { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'))
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--out-dir', join(installed, 'dist'), '--no-dts'],
    {
      cwd: ROOT,
      stdio: 'pipe'
    }
  )
  // Copied, not linked: a link would resolve to this repository, where every package is installed.
  for (const name of packages) {
    cpSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), { recursive: true, dereference: true })
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }))
  return {
    dir,
    run(script, env = {}) {
      return execFileSync(process.execPath, ['-e', script], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env }
      })
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
