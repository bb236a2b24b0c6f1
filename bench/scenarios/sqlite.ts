// SqliteEngine on one database file in the run's scratch directory, preloaded with stored sessions: in
// process and synchronous like MemoryEngine, so it is measured against the same floors and against
// MemoryEngine itself.
import { statSync } from 'node:fs'
import { SqliteEngine } from 'express-session-registry/sqlite'
import { oursApp } from '../apps/ours'
import { randomHash, registrySubject } from '../lib/fixtures'
import type { ScenarioGroup } from '../lib/scenario'

const PRELOAD_CHUNK = 50_000

/** Stores `count` sessions through SqliteEngine's own set(), a transaction per chunk; the file's bytes per session. */
function preloadSqlite(file: string, count: number): number {
  const engine = new SqliteEngine({ filename: file, sweepInterval: 0 })
  try {
    const now = Date.now()
    const insert = engine.database.transaction((from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const subject = registrySubject(index, now)
        engine.set(randomHash(), `auth-${subject.userId as string}`, subject)
      }
    })
    for (let from = 0; from < count; from += PRELOAD_CHUNK) insert(from, Math.min(count, from + PRELOAD_CHUNK))
    // The WAL folded into the file, so that its size is what the sessions take.
    engine.database.pragma('wal_checkpoint(TRUNCATE)')
    return statSync(file).size / Math.max(1, count)
  } finally {
    engine.release()
  }
}

/** The SQLite group. */
export const sqliteGroup: ScenarioGroup = {
  id: 'sqlite',
  needs: ['sqlite'],
  apps: {
    'ours-sqlite': {
      label: 'ours, SqliteEngine, Bearer',
      create: (services) => oursApp({ engine: 'sqlite', credential: 'bearer' }, services)
    },
    'ours-sqlite-cookie': {
      label: 'ours, SqliteEngine, cookie',
      create: (services) => oursApp({ engine: 'sqlite', credential: 'cookie' }, services)
    }
  },
  summary: [
    { engine: 'SQLite (floor: do-nothing middleware)', library: 'ours, SqliteEngine, Bearer', floor: 'sqlite' },
    { engine: 'SQLite (floor: MemoryEngine)', library: 'ours, SqliteEngine, Bearer', floor: 'sqlite-vs-memory' }
  ],
  pairs: [
    {
      id: 'sqlite',
      kind: 'read',
      label: 'ours SqliteEngine, Bearer, vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'ours-sqlite'
    },
    {
      id: 'sqlite-none',
      kind: 'read',
      label: 'ours SqliteEngine, Bearer, vs no session',
      baseline: 'none',
      candidate: 'ours-sqlite'
    },
    {
      id: 'sqlite-vs-memory',
      kind: 'read',
      label: 'ours SqliteEngine vs ours MemoryEngine, Bearer',
      baseline: 'ours-memory',
      candidate: 'ours-sqlite'
    },
    {
      id: 'sqlite-cookie',
      kind: 'read',
      label: 'ours SqliteEngine, cookie, vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'ours-sqlite-cookie',
      fullModeOnly: true
    },
    {
      id: 'sqlite-login',
      kind: 'login',
      label: 'log in: ours SqliteEngine vs no session',
      baseline: 'none',
      candidate: 'ours-sqlite',
      fullModeOnly: true
    }
  ],
  preload: async (services, sessions, log) => {
    if (services.sqliteFile === undefined) return
    const count = sessions.sqlite
    log(`[sqlite] preloading ${count.toLocaleString('en-US')} sessions`)
    const bytes = preloadSqlite(services.sqliteFile, count)
    return count === 0
      ? []
      : [
          `SQLite pairs: ${count.toLocaleString('en-US')} sessions stored, ${Math.round(bytes)} bytes on disk per ` +
            'session (the file after a WAL checkpoint, over the sessions in it).'
        ]
  }
}
