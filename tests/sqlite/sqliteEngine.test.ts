import Database from 'better-sqlite3'
import { SqliteEngine, SqliteEngineError } from 'express-session-registry/sqlite'
import { engineConformance, sessionSubject as subject, tokenHash } from 'express-session-registry/testing'
import { sqliteTestbed } from '../support/sqliteFiles'

const bed = sqliteTestbed()

// One file for every engine of the suite, so its two instances meet as two processes on one file would.
let conformanceFile: string | undefined
engineConformance({
  name: 'SqliteEngine (file)',
  createEngine: () => bed.newEngine({ sweepInterval: 100, filename: (conformanceFile ??= bed.file('conformance.db')) }),
  closeEngine: (engine) => engine.release?.(),
  describe,
  it,
  afterEach
})

engineConformance({
  name: 'SqliteEngine (:memory:)',
  createEngine: () => bed.newEngine({ filename: ':memory:' }),
  closeEngine: (engine) => engine.release?.(),
  describe,
  it,
  afterEach
})

describe('SqliteEngine', () => {
  describe('every method', () => {
    it('answers with a plain value, never a Promise, so the middleware goes on in the same tick', () => {
      const engine = bed.newEngine()
      const token = tokenHash()
      const results = [
        engine.prepare(),
        engine.set(token, 'auth-u', subject()),
        engine.get(token),
        engine.update(token, 'auth-u', subject()),
        engine.patch(token, 'auth-u', { lastIp: null }),
        engine.getAll('auth-u'),
        engine.setCapped(tokenHash(), 'auth-u', subject(), 1),
        engine.deleteAll('auth-u'),
        engine.delete(token),
        engine.clear(),
        engine.sweep()
      ]
      for (const result of results) expect(result).not.toBeInstanceOf(Promise)
    })
  })

  describe('patch()', () => {
    const engine = bed.newEngine()
    beforeEach(() => engine.clear())

    it('changes only the named fields and leaves every other as stored', () => {
      const token = tokenHash()
      const stored = subject({ deviceId: 'phone', data: { theme: 'dark' }, version: 3 })
      engine.set(token, 'auth-u', stored)
      expect(engine.patch(token, 'auth-u', { lastIp: null, lastAccessed: (stored.lastAccessed as number) + 5 })).toBe(
        true
      )
      expect(engine.get(token)).toEqual({ ...stored, lastIp: null, lastAccessed: (stored.lastAccessed as number) + 5 })
    })

    it('stores null fields as null (json_patch would delete them), and removes a field given as undefined', () => {
      const token = tokenHash()
      engine.set(token, 'auth-u', subject({ deviceId: 'phone', data: { elevated: true } }))
      expect(engine.patch(token, 'auth-u', { deviceId: null, data: undefined })).toBe(true)
      const read = engine.get(token)!
      expect(read.deviceId).toBeNull()
      expect('data' in read).toBe(false)
    })

    it('applies with the expected version only, an absent version counting as 0', () => {
      const token = tokenHash()
      engine.set(token, 'auth-u', subject())
      expect(engine.patch(token, 'auth-u', { data: { step: 1 }, version: 1 }, 1)).toBe(false)
      expect(engine.patch(token, 'auth-u', { data: { step: 1 }, version: 1 }, 0)).toBe(true)
      expect(engine.patch(token, 'auth-u', { data: { step: 2 }, version: 2 }, 0)).toBe(false)
      expect(engine.get(token)).toMatchObject({ data: { step: 1 }, version: 1 })
      expect(engine.patch(token, 'auth-u', { data: { step: 2 }, version: 2 }, 1)).toBe(true)
      expect(engine.get(token)).toMatchObject({ data: { step: 2 }, version: 2 })
    })

    it('never creates nor revives an entry', () => {
      const [unknown, deleted, expired] = [tokenHash(), tokenHash(), tokenHash()]
      expect(engine.patch(unknown, 'auth-u', { lastIp: '10.0.0.1' })).toBe(false)
      engine.set(deleted, 'auth-u', subject())
      engine.delete(deleted)
      expect(engine.patch(deleted, 'auth-u', { lastIp: '10.0.0.1' })).toBe(false)
      engine.set(expired, 'auth-u', subject({ expiresAt: Date.now() + 60_000 }))
      engine.database
        .prepare(`UPDATE ${engine.tableName} SET expires_at = ? WHERE token = ?`)
        .run(Date.now() - 1, expired)
      expect(engine.patch(expired, 'auth-u', { expiresAt: Date.now() + 60_000 })).toBe(false)
      for (const token of [unknown, deleted, expired]) expect(engine.get(token)).toBeUndefined()
      expect(engine.getAll('auth-u')).toEqual({})
    })

    it('moves the expiry and the listing order with the fields', () => {
      const [older, newer, fresh] = [tokenHash(), tokenHash(), tokenHash()]
      engine.set(older, 'auth-u', subject({ id: 'older', lastAccessed: 1_000 }))
      engine.set(newer, 'auth-u', subject({ id: 'newer', lastAccessed: 2_000 }))
      engine.patch(older, 'auth-u', { lastAccessed: 3_000 })
      expect(engine.setCapped(fresh, 'auth-u', subject({ id: 'fresh' }), 2).map((entry) => entry.id)).toEqual(['newer'])
      engine.patch(older, 'auth-u', { expiresAt: Date.now() - 1 })
      expect(engine.get(older)).toBeUndefined()
    })

    it('keeps a field named __proto__ as data', () => {
      const token = tokenHash()
      engine.set(token, 'auth-u', subject())
      engine.patch(token, 'auth-u', JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>)
      const read = engine.get(token)!
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
      expect(Object.prototype.hasOwnProperty.call(read, '__proto__')).toBe(true)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  })

  describe('setCapped()', () => {
    const engine = bed.newEngine()
    beforeEach(() => engine.clear())

    it('drops the category’s expired rows without reporting them, and counts only live ones', () => {
      const [expired, live] = [tokenHash(), tokenHash()]
      engine.set(expired, 'auth-cap', subject())
      engine.set(live, 'auth-cap', subject())
      engine.database.prepare(`UPDATE ${engine.tableName} SET expires_at = 1 WHERE token = ?`).run(expired)
      expect(engine.setCapped(tokenHash(), 'auth-cap', subject(), 2)).toEqual([])
      expect(engine.database.prepare(`SELECT count(*) FROM ${engine.tableName}`).pluck().get()).toBe(2)
    })

    it('holds the cap when processes log one user in at once (one IMMEDIATE transaction each)', () => {
      const file = bed.file()
      const [first, second] = [bed.newEngine({ filename: file }), bed.newEngine({ filename: file })]
      for (let n = 0; n < 20; n++) (n % 2 ? first : second).setCapped(tokenHash(), 'auth-burst', subject(), 3)
      expect(Object.keys(first.getAll('auth-burst'))).toHaveLength(3)
    })

    it('stores without a cap when the limit is Infinity, and deletes an already expired entry', () => {
      for (let n = 0; n < 3; n++) engine.setCapped(tokenHash(), 'auth-inf', subject(), Infinity)
      expect(Object.keys(engine.getAll('auth-inf'))).toHaveLength(3)
      const token = tokenHash()
      engine.set(token, 'auth-inf', subject())
      expect(engine.setCapped(token, 'auth-inf', subject({ expiresAt: Date.now() - 1 }), 1)).toEqual([])
      expect(engine.get(token)).toBeUndefined()
    })
  })

  describe('hostile keys', () => {
    const engine = bed.newEngine()

    it.each(["'; DROP TABLE session_registry; --", '%', '_', '\\', 'a\0b', '\ud800', 'ünïcödé 🎉', 'x'.repeat(10_240)])(
      'stores, lists and deletes %j as a token, a category and a field, exactly',
      (value) => {
        const category = `auth-${value}`
        const stored = subject({ userId: value, userAgent: value })
        engine.set(value, category, stored)
        expect(engine.get(value)).toEqual(stored)
        expect(engine.getAll(category)).toEqual({ [value]: stored })
        expect(engine.get(`${value}x`)).toBeUndefined()
        engine.deleteAll(category)
        expect(engine.getAll(category)).toEqual({})
      }
    )

    it('keeps keys apart that differ only by a lone surrogate or an escape', () => {
      const keys = ['\ud800', '\udbff', '\ufffd', '\\ud800', '\\\ud800', 'a\\b', 'ab']
      for (const key of keys) engine.set(key, `auth-${key}`, subject({ id: key }))
      for (const key of keys) {
        expect(engine.get(key)).toMatchObject({ id: key })
        expect(Object.keys(engine.getAll(`auth-${key}`))).toEqual([key])
      }
      engine.deleteAll('auth-\ud800')
      expect(engine.get('\ud800')).toBeUndefined()
      expect(engine.get('\udbff')).toMatchObject({ id: '\udbff' })
    })
  })

  describe('prepare()', () => {
    it('creates the table in WAL mode, and reuses it after a restart', () => {
      const file = bed.file()
      const token = tokenHash()
      const first = bed.newEngine({ filename: file })
      first.set(token, 'auth-u', subject({ id: 'kept' }))
      expect(first.database.pragma('journal_mode', { simple: true })).toBe('wal')
      first.release()
      expect(bed.newEngine({ filename: file }).get(token)).toMatchObject({ id: 'kept' })
    })

    it.each([
      ['an app table of the same name', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)'],
      [
        'a table with one column more',
        'CREATE TABLE users (token TEXT PRIMARY KEY, category TEXT, data TEXT, expires_at INTEGER, ' +
          'last_accessed INTEGER, first_accessed INTEGER, extra TEXT)'
      ]
    ])('refuses %s, naming it, and leaves it untouched', (_case, sql) => {
      const database = new Database(bed.file())
      database.exec(sql)
      database.exec('INSERT INTO users (rowid) VALUES (1)')
      const engine = bed.newEngine({ database, table: 'users' })
      expect(() => engine.prepare()).toThrow(SqliteEngineError)
      expect(() => engine.prepare()).toThrow(/"users" is not a session table/)
      expect(() => engine.clear()).toThrow(
        expect.objectContaining({ code: 'ESR_SQLITE', sqliteCode: 'SQLITE_FOREIGN_TABLE' })
      )
      expect(database.prepare('SELECT count(*) FROM users').pluck().get()).toBe(1)
      database.close()
    })

    it('names the file when it cannot be opened', () => {
      const engine = bed.newEngine({ filename: `${bed.file()}/no/such/dir.db` })
      expect(() => engine.prepare()).toThrow(SqliteEngineError)
      expect(() => engine.get(tokenHash())).toThrow(
        expect.objectContaining({ code: 'ESR_SQLITE', sqliteCode: 'SQLITE_CANTOPEN' })
      )
    })
  })

  describe('with a database the app owns', () => {
    it('uses it, and leaves it open on release()', () => {
      const database = new Database(bed.file())
      const engine = new SqliteEngine({ database, table: 'app_sessions' })
      const token = tokenHash()
      engine.set(token, 'auth-u', subject())
      expect(database.prepare('SELECT token FROM app_sessions').pluck().all()).toEqual([token])
      engine.release()
      expect(database.open).toBe(true)
      database.close()
    })

    it('closes a database it opened itself on release()', () => {
      const engine = bed.newEngine()
      const { database } = engine
      engine.release()
      expect(database.open).toBe(false)
    })
  })

  describe('faults', () => {
    it('a read-only database serves reads and fails writes with SQLITE_READONLY', () => {
      const file = bed.file()
      const token = tokenHash()
      bed.newEngine({ filename: file }).set(token, 'auth-u', subject({ id: 'ro' }))
      const database = new Database(file, { readonly: true })
      const engine = bed.newEngine({ database })
      expect(engine.get(token)).toMatchObject({ id: 'ro' })
      expect(() => engine.set(tokenHash(), 'auth-u', subject())).toThrow(
        expect.objectContaining({ name: 'SqliteEngineError', code: 'ESR_SQLITE', sqliteCode: 'SQLITE_READONLY' })
      )
      expect(() => engine.delete(token)).toThrow(SqliteEngineError)
      database.close()
    })

    it('a full database fails the write with SQLITE_FULL and keeps what it acknowledged', () => {
      const database = new Database(bed.file())
      const engine = bed.newEngine({ database })
      engine.prepare()
      database.pragma(`max_page_count = ${database.pragma('page_count', { simple: true }) as number}`)
      const stored: string[] = []
      let failure: unknown
      for (let n = 0; n < 1_000 && failure === undefined; n++) {
        const token = tokenHash()
        try {
          engine.set(token, 'auth-full', subject({ data: { padding: 'x'.repeat(500) } }))
          stored.push(token)
        } catch (error) {
          failure = error
        }
      }
      expect(failure).toBeInstanceOf(SqliteEngineError)
      expect(failure).toMatchObject({ code: 'ESR_SQLITE', sqliteCode: 'SQLITE_FULL' })
      for (const token of stored) expect(engine.get(token)).toBeTruthy()
      database.close()
    })

    it('a database locked by another connection fails the write with SQLITE_BUSY after the busy timeout', () => {
      const file = bed.file()
      const engine = bed.newEngine({ filename: file, busyTimeout: 50 })
      const token = tokenHash()
      engine.set(token, 'auth-u', subject())
      const locker = new Database(file)
      locker.exec('BEGIN EXCLUSIVE')
      try {
        expect(() => engine.set(tokenHash(), 'auth-u', subject())).toThrow(
          expect.objectContaining({ name: 'SqliteEngineError', code: 'ESR_SQLITE', sqliteCode: 'SQLITE_BUSY' })
        )
        expect(() => engine.setCapped(tokenHash(), 'auth-u', subject(), 5)).toThrow(SqliteEngineError)
        // WAL: readers do not wait for the writer.
        expect(engine.get(token)).toBeTruthy()
      } finally {
        locker.exec('ROLLBACK')
        locker.close()
      }
      engine.set(tokenHash(), 'auth-u', subject())
    })
  })

  describe('sweep()', () => {
    it('removes expired rows in bounded batches, and only those', () => {
      const engine = bed.newEngine({ sweepBatchSize: 7, sweepInterval: 0 })
      const live = tokenHash()
      engine.set(live, 'auth-u', subject({ expiresAt: null }))
      const insert = engine.database.transaction(() => {
        for (let n = 0; n < 50; n++) engine.set(tokenHash(), 'auth-u', subject({ expiresAt: Date.now() + 60_000 }))
      })
      insert()
      const sweeper = (engine as unknown as { sweeper: { sweep(batches: number, now: number): number } }).sweeper
      const later = Date.now() + 120_000
      expect(sweeper.sweep(2, later)).toBe(14)
      expect(engine.sweep(later)).toBe(36)
      expect(engine.database.prepare(`SELECT count(*) FROM ${engine.tableName}`).pluck().get()).toBe(1)
      expect(engine.get(live)).toBeTruthy()
    })

    it('runs on an unref’d timer, a few batches per tick, and not at all with sweepInterval: 0', async () => {
      const engine = bed.newEngine({ sweepInterval: 20, sweepBatchSize: 2 })
      engine.prepare()
      expect(engine.sweeping).toBe(true)
      const timer = (engine as unknown as { sweeper: { timer: NodeJS.Timeout } }).sweeper.timer
      expect(timer.hasRef()).toBe(false)
      const expired = engine.database.prepare(`INSERT INTO ${engine.tableName} VALUES (?, 'auth-u', '{}', 1, 1, 1)`)
      for (let n = 0; n < 30; n++) expired.run(tokenHash())
      const count = engine.database.prepare(`SELECT count(*) FROM ${engine.tableName}`).pluck()
      const seen: number[] = []
      while ((count.get() as number) > 0) {
        seen.push(count.get() as number)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      // 10 batches of 2 per tick: the first tick leaves 10 of the 30.
      expect(seen).toContain(10)
      expect(bed.newEngine({ sweepInterval: 0 }).sweeping).toBe(false)
    })
  })

  describe('options', () => {
    it.each([
      ['filename', ''],
      ['filename', 42],
      ['database', {}],
      ['table', 'users; DROP TABLE x'],
      ['table', 'sqlite_master'],
      ['table', ''],
      ['busyTimeout', -1],
      ['busyTimeout', 1.5],
      ['busyTimeout', '5s'],
      ['sweepInterval', -1],
      ['sweepInterval', Number.NaN],
      ['sweepBatchSize', 0]
    ])('rejects %s = %p with a TypeError naming it', (name, value) => {
      const options = { filename: ':memory:', [name]: value }
      expect(() => new SqliteEngine(options)).toThrow(TypeError)
      expect(() => new SqliteEngine(options)).toThrow(`"${name}"`)
    })

    it('needs exactly one of filename and database', () => {
      expect(() => new SqliteEngine({})).toThrow(/"filename"/)
      const database = new Database(':memory:')
      expect(() => new SqliteEngine({ filename: ':memory:', database })).toThrow(/exactly one/)
      database.close()
      expect(() => new SqliteEngine(undefined as unknown as { filename: string })).toThrow(TypeError)
    })

    it.each([
      ['fileName', /"fileName" is not an option of SqliteEngine: did you mean "filename"\?/],
      ['busy_timeout', /did you mean "busyTimeout"\?/],
      ['journalMode', /"journalMode" is not an option of SqliteEngine: check its spelling/],
      ['db', /"db" is not an option of SqliteEngine: use "filename"/],
      ['client', /"client" is not an option of SqliteEngine: use "database"/]
    ])('refuses the unknown option %s, naming it', (name, message) => {
      expect(() => new SqliteEngine({ filename: ':memory:', [name]: 1 } as { filename: string })).toThrow(message)
    })
  })
})
