// A commit of this repository built into a scratch folder outside the checkout, for the build pairs
// (BENCH_BASELINE_REF, BENCH_CANDIDATE_REF): its files from `git archive`, the checkout's node_modules
// linked in, its own tsup config run (niced: the build must not slow a neighbour's measurement).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT_DIR } from './deps'

/** A built commit: its dist/ folder, and a way to remove the whole scratch folder. */
export interface BuiltRef {
  dist: string
  remove(): void
}

function run(command: string, args: string[], cwd: string, what: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n')
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`)
  }
}

/** Builds `ref` (any commit-ish git understands) outside the checkout; throws naming the step that failed. */
export function buildRef(ref: string, log: (line: string) => void): BuiltRef {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esr-bench-build-'))
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  try {
    log(`[build] ${ref} into ${dir}`)
    run(
      'sh',
      ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'archive', ref, dir],
      ROOT_DIR,
      `git archive ${ref}`
    )
    symlinkSync(path.join(ROOT_DIR, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
    const nice = spawnSync('nice', ['-n', '10', 'true']).status === 0
    run(
      nice ? 'nice' : 'npx',
      [...(nice ? ['-n', '10', 'npx'] : []), '--no-install', 'tsup'],
      dir,
      `the build of ${ref}`
    )
    const dist = path.join(dir, 'dist')
    if (!existsSync(path.join(dist, 'index.js'))) throw new Error(`the build of ${ref} made no dist/index.js`)
    return { dist, remove }
  } catch (error) {
    remove()
    throw error
  }
}
