// Which build of this library an app runs: this checkout's source (through tsx and tsconfig paths), or a
// built dist/ folder given by path, so that two builds can be measured against each other in one run.
import { createRequire } from 'node:module'
import path from 'node:path'
import * as source from 'express-session-registry'
import * as sourcePostgres from 'express-session-registry/postgres'
import * as sourceRedis from 'express-session-registry/redis'
import * as sourceSqlite from 'express-session-registry/sqlite'

type Core = typeof source
/** The entry points an app uses, typed as this checkout's: an older build is called only through what both have. */
export interface Library {
  core: Core
  redis(): typeof sourceRedis
  postgres(): typeof sourcePostgres
  sqlite(): typeof sourceSqlite
}

const SOURCE: Library = {
  core: source,
  redis: () => sourceRedis,
  postgres: () => sourcePostgres,
  sqlite: () => sourceSqlite
}

const builds = new Map<string, Library>()

/** The library from `dist` (a built dist/ folder, its CommonJS entries), or this checkout's source. */
export function library(dist?: string): Library {
  if (dist === undefined) return SOURCE
  let built = builds.get(dist)
  if (!built) {
    // Resolved from the build's own folder, so it finds its dependencies where it was built.
    const load = createRequire(path.join(dist, 'index.js'))
    built = {
      core: load('./index.js') as Core,
      redis: () => load('./redis.js') as typeof sourceRedis,
      postgres: () => load('./postgres.js') as typeof sourcePostgres,
      sqlite: () => load('./sqlite.js') as typeof sourceSqlite
    }
    builds.set(dist, built)
  }
  return built
}
