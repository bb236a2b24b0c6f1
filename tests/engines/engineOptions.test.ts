import { MemoryEngine } from '../../src'
import { PostgresEngine } from '../../src/postgres'
import { RedisEngine } from '../../src/redis'

type Build = (options: Record<string, unknown>) => unknown

const engines: Array<[string, Build]> = [
  ['MemoryEngine', (options) => new MemoryEngine(options)],
  ['RedisEngine', (options) => new RedisEngine(options)],
  ['PostgresEngine', (options) => new PostgresEngine(options)]
]

function expectRefused(build: () => unknown, owner: string, name: string, advice: string): void {
  expect(build).toThrow(TypeError)
  expect(build).toThrow(`option "${name}" is not an option of ${owner}: `)
  expect(build).toThrow(advice)
}

describe('engine options', () => {
  describe('misspelt', () => {
    it.each<[string, Build, string, string]>([
      ['MemoryEngine', engines[0][1], 'maxSesions', 'maxSessions'],
      ['MemoryEngine', engines[0][1], 'sweepinterval', 'sweepInterval'],
      ['RedisEngine', engines[1][1], 'commandTimeot', 'commandTimeout'],
      ['RedisEngine', engines[1][1], 'identifer', 'identifier'],
      ['RedisEngine', engines[1][1], 'allowEvicton', 'allowEviction'],
      ['RedisEngine', engines[1][1], 'pasword', 'password'],
      ['PostgresEngine', engines[2][1], 'statementTimout', 'statementTimeout'],
      ['PostgresEngine', engines[2][1], 'connectionStrng', 'connectionString'],
      ['PostgresEngine', engines[2][1], 'tabel', 'table']
    ])('%s refuses %s with a TypeError: did you mean %s', (owner, build, name, closest) => {
      expectRefused(() => build({ [name]: 1 }), owner, name, `did you mean "${closest}"?`)
    })
  })

  describe.each(engines)('unknown to %s', (owner, build) => {
    it('is a TypeError saying to check the spelling when nothing is close', () => {
      expectRefused(() => build({ flavour: 'vanilla' }), owner, 'flavour', 'check its spelling')
    })
  })

  describe('from connect-pg-simple, given to PostgresEngine', () => {
    it.each([
      ['conString', 'postgres://localhost/app', 'use "connectionString"'],
      ['conObject', { host: 'localhost' }, 'at the top level'],
      ['tableName', 'session', 'use "table"'],
      ['schemaName', 'public', 'use "schema"'],
      ['pruneSessionInterval', 60, 'use "sweepInterval" (milliseconds, not seconds'],
      ['pruneSessionRandomizedInterval', false, 'bounded batch'],
      ['createTableIfMissing', true, 'use "createTable"'],
      ['ttl', 86_400, '"idleTimeout"'],
      ['disableTouch', true, '"idleTimeout"'],
      ['pgPromise', {}, 'pass a pg.Pool as "pool"'],
      ['errorLog', console.error, '"engineError" event']
    ])('%s throws a TypeError naming it and what to use here', (name, value, advice) => {
      expectRefused(() => new PostgresEngine({ [name]: value }), 'PostgresEngine', name, advice)
    })
  })

  describe('from memorystore, given to MemoryEngine', () => {
    it.each([
      ['checkPeriod', 86_400_000, 'use "sweepInterval"'],
      ['max', 1_000, 'use "maxSessions"'],
      ['ttl', 86_400_000, '"idleTimeout"']
    ])('%s throws a TypeError naming it and what to use here', (name, value, advice) => {
      expectRefused(() => new MemoryEngine({ [name]: value }), 'MemoryEngine', name, advice)
    })
  })

  describe('that are known', () => {
    it('MemoryEngine takes its own', () => {
      expect(() => new MemoryEngine({ maxSessions: 10, sweepInterval: 1_000 })).not.toThrow()
    })

    it("RedisEngine takes its own and node-redis createClient's", async () => {
      const engine = new RedisEngine({
        url: 'redis://localhost:6379',
        database: 1,
        pingInterval: 10_000,
        identifier: 'app',
        commandTimeout: 500,
        socket: { connectTimeout: 100 }
      })
      await engine.release()
    })

    it("PostgresEngine takes its own and pg.Pool's", async () => {
      const engine = new PostgresEngine({
        connectionString: 'postgres://localhost/app',
        max: 5,
        idleTimeoutMillis: 1_000,
        application_name: 'app',
        table: 'sessions',
        schema: 'auth',
        createTable: false
      })
      await engine.release()
    })
  })
})
