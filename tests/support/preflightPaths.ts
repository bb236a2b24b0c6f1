import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * How the server launchers find programs: on the PATH, or in a fixed install location (Debian's
 * `/usr/lib/postgresql/<version>/bin`, Homebrew's prefixes, `/Applications`). Fixed locations are read
 * under `ESR_TEST_SYSTEM_ROOT` when it is set, so the preflight's own test can hide this machine's servers.
 */

/** What is missing, and the commands that install it. */
export interface Missing {
  /** What the tests need, e.g. "redis-server and redis-cli". */
  what: string
  /** Why, in a few words, e.g. "the Redis tests start their own servers". */
  why: string
  /** One install route a line, e.g. `['Debian/Ubuntu', 'sudo apt-get install redis-server']`. */
  install: [where: string, command: string][]
}

/** One line naming what is missing and how to install it, for errors outside the preflight. */
export function describeMissing(missing: Missing): string {
  return `${missing.what} (${missing.install.map(([where, command]) => `${where}: ${command}`).join('; ')})`
}

/** `path`, an absolute fixed install location, under `ESR_TEST_SYSTEM_ROOT` when that is set. */
export function systemPath(path: string): string {
  const root = process.env.ESR_TEST_SYSTEM_ROOT
  return root ? join(root, path) : path
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The first `command` on the PATH, as an absolute path. */
export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, command)
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

/**
 * The directories `pattern` names, with one `*` standing for a version (`/usr/lib/postgresql/*\/bin`),
 * under {@link systemPath}, newest version first.
 */
export function versionedDirs(pattern: string): string[] {
  const [before, after] = pattern.split('*')
  const slash = before.lastIndexOf('/')
  const parent = systemPath(before.slice(0, slash))
  const prefix = before.slice(slash + 1)
  if (!existsSync(parent)) return []
  return readdirSync(parent)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
    .map((name) => join(parent, name, after))
}
