import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { chromiumMissing } from './browser'
import { findPostgres, postgresMissing, serverUser } from './postgresServer'
import type { Missing } from './preflightPaths'
import { redisMissing } from './redisServer'

/**
 * Jest's global setup: before any test file runs, finds every server the suite starts (Redis,
 * PostgreSQL, Chromium) and, when one cannot be had, stops the run with one message naming each missing
 * piece and how to install it. No test is ever skipped for a missing server: this is the only place a
 * missing server shows.
 */

/** Everything the suite needs that this machine lacks; empty when the suite can run. */
export function missingPrerequisites(): Missing[] {
  const missing: Missing[] = []
  const redis = redisMissing()
  if (redis) missing.push(redis)
  const postgres = postgresProblem()
  if (postgres) missing.push(postgres)
  const chromium = chromiumMissing()
  if (chromium) missing.push(chromium)
  return missing
}

/** PostgreSQL not found, or found but not runnable by the user the tests run it as (as root). */
function postgresProblem(): Missing | undefined {
  const binaries = findPostgres()
  if (!binaries) return postgresMissing()
  const user = serverUser()
  if (!user) return undefined
  const initdb = join(binaries.dir, 'initdb')
  const probe = spawnSync(initdb, ['--version'], { uid: user.uid, gid: user.gid })
  if (probe.status === 0) return undefined
  return {
    what: `PostgreSQL runnable by the "${user.name}" user`,
    why: `PostgreSQL refuses to run as root, so the tests run it as "${user.name}", who cannot run ${initdb}`,
    install: [
      ['either', 'run npm test as a user other than root'],
      ['or', `make ${binaries.dir} and its parent directories readable by "${user.name}"`]
    ]
  }
}

/** The one message the run stops with. */
export function missingMessage(missing: Missing[]): string {
  const width = Math.max(...missing.flatMap((item) => item.install.map(([where]) => where.length)))
  const items = missing.map((item) =>
    [
      `  - ${item.what}: ${item.why}.`,
      ...item.install.map(([where, command]) => `      ${`${where}:`.padEnd(width + 2)}${command}`)
    ].join('\n')
  )
  return [
    '',
    'npm test cannot run: this machine lacks what the tests start for themselves.',
    '',
    ...items,
    '',
    'No test was run. Install the above, then run npm test again.',
    ''
  ].join('\n')
}

/** Jest's `globalSetup`: stops the run at once, with {@link missingMessage}, when anything is missing. */
export default function preflight(): void {
  const missing = missingPrerequisites()
  if (missing.length === 0) return
  process.stderr.write(missingMessage(missing))
  process.exit(1)
}
