import { writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { SqliteEngineError } from 'express-session-registry/sqlite'
import { sessionSubject as subject, tokenHash } from 'express-session-registry/testing'
import { sqliteTestbed } from '../support/sqliteFiles'

const bed = sqliteTestbed()

/** What `work` throws (`undefined` when it throws nothing). */
function failureOf(work: () => unknown): unknown {
  try {
    work()
  } catch (error) {
    return error
  }
  return undefined
}

describe('SqliteEngine opening its database', () => {
  it('refuses a database passed in that the app already closed, with a SqliteEngineError', () => {
    const database = new Database(bed.file())
    database.close()
    const engine = bed.newEngine({ database })
    const failure = failureOf(() => engine.prepare())
    expect(failure).toBeInstanceOf(SqliteEngineError)
    expect(failure).toMatchObject({
      code: 'ESR_SQLITE',
      sqliteCode: 'SQLITE_MISUSE',
      message: expect.stringContaining('closed')
    })
    expect(() => engine.get(tokenHash())).toThrow(/the database passed in is closed/)
  })

  it('refuses a file that is no SQLite database, says so, and lets the file be fixed and used', () => {
    const filename = bed.file('not-a-database.db')
    writeFileSync(filename, 'these are not the pages of a database '.repeat(200))
    const engine = bed.newEngine({ filename })
    const failure = failureOf(() => engine.prepare())
    expect(failure).toBeInstanceOf(SqliteEngineError)
    expect(failure).toMatchObject({ code: 'ESR_SQLITE', sqliteCode: 'SQLITE_NOTADB' })

    // The failed open kept no connection: once the file is replaced, the same engine opens it.
    writeFileSync(filename, '')
    const token = tokenHash()
    engine.set(token, 'auth-u', subject({ id: 'after' }))
    expect(engine.get(token)).toMatchObject({ id: 'after' })
  })
})
