import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteEngine, type SqliteEngineOptions } from '../../src/sqlite'

/**
 * A temporary directory for one test file's SQLite databases, removed after its tests, and the engines
 * opened on it, released after its tests. Call at the top of a test file (or a describe).
 */
export function sqliteTestbed(): {
  /** A path for a new database file in the directory. */
  file: (name?: string) => string
  /** An engine on `options` (on a new file unless a filename or database is given), released after the tests. */
  newEngine: (options?: Partial<SqliteEngineOptions>) => SqliteEngine
} {
  let dir: string | undefined
  let files = 0
  const engines: SqliteEngine[] = []
  const file = (name = `sessions-${++files}.db`) => {
    dir ??= mkdtempSync(join(tmpdir(), 'esr-sqlite-'))
    return join(dir, name)
  }
  afterAll(() => {
    for (const engine of engines) engine.release()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  return {
    file,
    newEngine: (options = {}) => {
      const given = options.filename !== undefined || options.database !== undefined
      const engine = new SqliteEngine({ ...(given ? {} : { filename: file() }), ...options })
      engines.push(engine)
      return engine
    }
  }
}
