import { Pool } from 'pg'
import { PostgresEngine, PostgresTableError, type PostgresEngineOptions } from 'express-session-registry/postgres'
import { sessionSubject, tokenHash } from 'express-session-registry/testing'
import { postgresTestbed } from '../support/postgresEngines'
import { describeWithPostgres, eventually } from '../support/postgresServer'

const subject = sessionSubject

describeWithPostgres('PostgresEngine: its table, statements, sweep and options', () => {
  const bed = postgresTestbed()
  const { newEngine, freshEngine } = bed

  describe('statements', () => {
    it('sends every value as a parameter of a named statement prepared once per connection', async () => {
      const engine = await freshEngine({ max: 1 })
      const token = tokenHash()
      await engine.set(token, 'auth-named', subject())
      await engine.get(token)
      await engine.update(token, 'auth-named', subject())
      await engine.patch(token, 'auth-named', { lastIp: '::1' })
      await engine.patch(token, 'auth-named', { version: 1 }, 0)
      await engine.getAll('auth-named')
      await engine.setCapped(tokenHash(), 'auth-named', subject(), 10)
      await engine.deleteAll('auth-named', token)
      await engine.delete(token)
      // The same single connection: its prepared statements are the engine's.
      const { rows } = await engine.pool.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements'
      )
      const names = rows.map((row) => row.name.replace(/^esr_[0-9a-f]+_/, ''))
      expect(names.sort()).toEqual(
        [
          ...['get', 'set', 'update', 'patch', 'patch_version', 'list', 'lock_category', 'set_capped'],
          ...['delete_category_except', 'delete', 'esr_table_columns', 'esr_schema_lock']
        ].sort()
      )
      for (const row of rows) {
        expect(row.statement).toContain('$1')
        expect(row.statement).not.toContain(token)
        expect(row.statement).not.toContain('auth-named')
      }
    })

    it('reads a session with a primary-key index scan that returns only a live row', async () => {
      const engine = await freshEngine({ max: 1 })
      const token = tokenHash()
      await engine.set(token, 'auth-plan', subject())
      await engine.get(token)
      const { rows } = await engine.pool.query<{ name: string; statement: string }>(
        "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE '%\\_get'"
      )
      expect(rows[0].statement).toMatch(/WHERE token = \$1 AND \(expires_at IS NULL OR expires_at > now\(\)\)$/)
      const plan = await engine.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${rows[0].name}('${token}')`)
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using test_\d+_pkey/)
    })
  })

  describe('the table', () => {
    it('is created with its indexes, in the schema asked for, by several engines preparing at once', async () => {
      await bed.admin.query('CREATE SCHEMA IF NOT EXISTS auth')
      const many = Array.from({ length: 4 }, () => newEngine({ schema: 'auth', table: 'sessions', max: 1 }))
      await Promise.all(many.map((engine) => engine.prepare()))
      const { rows } = await bed.admin.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'auth' AND tablename = 'sessions' ORDER BY indexname"
      )
      expect(rows.map((row) => row.indexname)).toEqual(['sessions_category', 'sessions_expires_at', 'sessions_pkey'])
      const { rows: methods } = await bed.admin.query<{ amname: string }>(
        "SELECT amname FROM pg_class JOIN pg_am ON pg_am.oid = relam WHERE relname = 'sessions_category'"
      )
      expect(methods).toEqual([{ amname: 'hash' }])
      const token = tokenHash()
      await many[0].set(token, 'auth-schema', subject())
      expect(await many[3].get(token)).toBeTruthy()
    })

    it('defaults to session_registry in the search_path', async () => {
      const engine = newEngine()
      await engine.prepare()
      expect(engine.tableName).toBe('"session_registry"')
      expect((await bed.admin.query(`SELECT to_regclass('public.session_registry') AS t`)).rows[0].t).toBe(
        'session_registry'
      )
    })

    it('with createTable: false, fails prepare() while the table is missing, and works once it exists', async () => {
      const engine = newEngine({ table: 'made_by_hand', createTable: false })
      const missing = engine.prepare()
      await expect(missing).rejects.toThrow('"made_by_hand" does not exist')
      await expect(missing).rejects.toMatchObject({ code: 'ESR_POSTGRES_TABLE', table: '"made_by_hand"' })
      await freshEngine({ table: 'made_by_hand' })
      await engine.prepare()
      await engine.set(tokenHash(), 'auth-hand', subject())
      expect(Object.keys(await engine.getAll('auth-hand'))).toHaveLength(1)
    })

    it('keeps a desktop session within 800 bytes on disk, indexes included, and lists by the category index', async () => {
      const engine = await freshEngine({ max: 1 })
      const count = 1_000
      for (let n = 0; n < count; n++) {
        await engine.set(tokenHash(), `auth-user-${n}`, subject({ id: `id-${n}`.padEnd(22, 'x') }))
      }
      await bed.admin.query(`VACUUM ANALYZE ${engine.tableName}`)
      const { rows } = await bed.admin.query<{ bytes: string }>(`SELECT pg_total_relation_size($1) AS bytes`, [
        engine.tableName
      ])
      expect(Number(rows[0].bytes) / count).toBeLessThan(800)

      await engine.getAll('auth-user-7')
      const [list] = (
        await engine.pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE '%\\_list'")
      ).rows
      const plan = await engine.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${list.name}('auth-user-7')`)
      const lines = plan.rows.map((row) => row['QUERY PLAN']).join('\n')
      expect(lines).toMatch(/Index Scan on test_\d+_category|Index Scan using test_\d+_category/)
      expect(lines).not.toMatch(/Seq Scan/)
    })
  })

  describe('a table that is not of the engine’s layout', () => {
    it('is refused by prepare(), naming it and what it has, and clear() never empties it', async () => {
      await bed.admin.query('CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, expires_at timestamptz)')
      await bed.admin.query(
        "INSERT INTO users (email, expires_at) VALUES ('ada@example.com', now() - interval '1 day')"
      )
      const engine = newEngine({ table: 'users' })
      const refusal =
        /the table "users" does not have the session engine's layout.*Found: id integer, email text, expires_at timestamp with time zone/
      await expect(engine.prepare()).rejects.toThrow(refusal)
      await expect(engine.prepare()).rejects.toBeInstanceOf(PostgresTableError)
      await expect(engine.prepare()).rejects.toMatchObject({ name: 'PostgresTableError', code: 'ESR_POSTGRES_TABLE' })
      await expect(engine.clear()).rejects.toThrow(refusal)
      await expect(engine.sweep()).rejects.toThrow(refusal)
      expect((await bed.admin.query('SELECT email FROM users')).rows).toEqual([{ email: 'ada@example.com' }])
    })

    it.each([
      ['a column of another type', 'fields json NOT NULL, token text PRIMARY KEY', 'fields json'],
      ['a column more', 'fields jsonb NOT NULL, token text PRIMARY KEY, note text', 'note text'],
      ['token not the primary key', 'fields jsonb NOT NULL, token text', 'token is not the primary key']
    ])('is refused with %s', async (_label, columns, found) => {
      const table = `odd_${Math.random().toString(36).slice(2, 8)}`
      await bed.admin.query(
        `CREATE TABLE ${table} (expires_at timestamptz, last_accessed timestamptz, first_accessed timestamptz, ` +
          `category text NOT NULL, ${columns})`
      )
      await expect(newEngine({ table }).prepare()).rejects.toThrow(found)
    })

    it('of the earlier layout is refused with the way to upgrade it, and the documented upgrade keeps its sessions', async () => {
      await bed.admin.query(
        'CREATE TABLE earlier (expires_at timestamptz, last_accessed timestamptz, first_accessed timestamptz, ' +
          'token text COLLATE "C" PRIMARY KEY, category text COLLATE "C" NOT NULL, data json NOT NULL)'
      )
      const stored = subject({ data: { plan: 'pro' } })
      await bed.admin.query(
        "INSERT INTO earlier VALUES (now() + interval '1 hour', now(), now(), 'kept', 'auth-up', $1), " +
          "(now() + interval '1 hour', now(), now(), 'nul', 'auth-up', $2)",
        [JSON.stringify(stored), JSON.stringify(subject({ userId: 'a\0b' }))]
      )
      const engine = newEngine({ table: 'earlier' })
      await expect(engine.prepare()).rejects.toThrow(/layout of an earlier version.*docs\/postgres.md/)
      // The upgrade docs/postgres.md gives, for a table named "earlier".
      const client = await bed.admin.connect()
      try {
        await client.query(`BEGIN;
          ALTER TABLE earlier ADD COLUMN fields jsonb;
          UPDATE earlier SET fields = (SELECT jsonb_object_agg(key, value::text) FROM json_each(data))
            WHERE strpos(data::text, '\\u0000') = 0;
          DELETE FROM earlier WHERE fields IS NULL;
          ALTER TABLE earlier ALTER COLUMN fields SET NOT NULL, DROP COLUMN data;
          COMMIT`)
      } finally {
        client.release()
      }
      await engine.prepare()
      expect(await engine.get('kept')).toEqual(stored)
      expect(await engine.get('nul')).toBeUndefined()
      expect(await engine.patch('kept', 'auth-up', { lastIp: '::1' })).toBe(true)
    })
  })

  describe('the sweep', () => {
    it('removes expired rows in bounded batches, and only those', async () => {
      const engine = await freshEngine({ sweepBatchSize: 7 })
      const live = tokenHash()
      await engine.set(live, 'auth-sweep', subject())
      for (let n = 0; n < 30; n++) await engine.set(tokenHash(), 'auth-sweep', subject())
      await bed.admin.query(
        `UPDATE ${engine.tableName} SET expires_at = now() - interval '1 minute' WHERE token <> $1`,
        [live]
      )
      expect(await engine.sweep()).toBe(30)
      expect(await engine.sweep()).toBe(0)
      expect(Object.keys(await engine.getAll('auth-sweep'))).toEqual([live])
    })

    it('runs on its timer once prepared', async () => {
      const engine = await freshEngine({ sweepInterval: 50 })
      await engine.set(tokenHash(), 'auth-timer', subject({ expiresAt: Date.now() + 200 }))
      const count = async () => (await bed.admin.query(`SELECT count(*)::int AS n FROM ${engine.tableName}`)).rows[0].n
      await eventually(async () => (await count()) === 0)
    })

    it('is off with sweepInterval: Infinity', async () => {
      const engine = await freshEngine({ sweepInterval: Infinity })
      await engine.set(tokenHash(), 'auth-off', subject())
      await bed.admin.query(`UPDATE ${engine.tableName} SET expires_at = now() - interval '1 minute'`)
      expect((await bed.admin.query(`SELECT count(*)::int AS n FROM ${engine.tableName}`)).rows[0].n).toBe(1)
      expect(await engine.sweep()).toBe(1)
    })
  })

  describe('with an app’s pool', () => {
    it('reads json the pool leaves unparsed', async () => {
      const pool = new Pool({
        connectionString: bed.server.connectionString,
        types: { getTypeParser: () => (value: string) => value }
      })
      try {
        const engine = new PostgresEngine({ pool, table: 'raw_types' })
        await engine.prepare()
        const [token, stored] = [tokenHash(), subject()]
        await engine.set(token, 'auth-raw', stored)
        expect(await engine.get(token)).toEqual(stored)
        expect(await engine.getAll('auth-raw')).toEqual({ [token]: stored })
      } finally {
        await pool.end()
      }
    })

    it('uses it, and leaves it open on release()', async () => {
      const pool = new Pool({ connectionString: bed.server.connectionString, max: 2 })
      try {
        const engine = new PostgresEngine({ pool, table: 'app_pool' })
        await engine.prepare()
        const token = tokenHash()
        await engine.set(token, 'auth-app', subject())
        await engine.release()
        expect(engine.pool).toBe(pool)
        expect((await pool.query('SELECT count(*)::int AS n FROM app_pool')).rows[0].n).toBe(1)
      } finally {
        await pool.end()
      }
    })
  })

  describe('options', () => {
    it('defaults to a pool of its own, a statement timeout of 1 s on the server too, and the default table', async () => {
      const engine = newEngine()
      await engine.prepare()
      const { rows } = await engine.pool.query<{ statement_timeout: string }>('SHOW statement_timeout')
      expect(rows[0].statement_timeout).toBe('1s')
    })

    it('keeps the pool timeouts given, over the statement timeout', async () => {
      const engine = newEngine({ statement_timeout: 2_500, connectionTimeoutMillis: 3_000 })
      await engine.prepare()
      const { rows } = await engine.pool.query<{ statement_timeout: string }>('SHOW statement_timeout')
      expect(rows[0].statement_timeout).toBe('2500ms')
      expect(engine.pool.options.connectionTimeoutMillis).toBe(3_000)
    })

    it('takes no options at all', async () => {
      const engine = new PostgresEngine()
      expect(engine.tableName).toBe('"session_registry"')
      await engine.release()
    })

    it.each<[string, PostgresEngineOptions]>([
      ['table', { table: 'drop table x' }],
      ['table', { table: '' }],
      ['table', { table: 'x'.repeat(49) }],
      ['schema', { schema: 'a"b' }],
      ['createTable', { createTable: 'yes' as unknown as boolean }],
      ['statementTimeout', { statementTimeout: 0 }],
      ['statementTimeout', { statementTimeout: '1s' as unknown as number }],
      ['sweepInterval', { sweepInterval: -1 }],
      ['sweepBatchSize', { sweepBatchSize: 1.5 }],
      ['pool', { pool: {} as Pool }],
      ['connectionString', { pool: new Pool(), connectionString: 'postgres://x' }]
    ])('rejects an invalid %s with a TypeError naming it', (name, options) => {
      expect(() => new PostgresEngine(options)).toThrow(new RegExp(`option "${name}"`))
      expect(() => new PostgresEngine(options)).toThrow(TypeError)
    })
  })
})
