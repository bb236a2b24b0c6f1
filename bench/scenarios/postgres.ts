// One throwaway PostgreSQL with sessions preloaded for both libraries: PostgresEngine against a raw
// primary-key SELECT and against express-session + connect-pg-simple.
import { readFileSync } from 'node:fs'
import type { Pool as PoolType } from 'pg'
import { PostgresEngine } from 'express-session-registry/postgres'
import { expressSessionApp } from '../apps/expressSession'
import { postgresSelectApp } from '../apps/floors'
import { oursApp } from '../apps/ours'
import { benchResolve, fromBench } from '../lib/deps'
import { CONNECT_PG_TABLE, SESSION_LIFETIME_MS, USER_AGENT } from '../lib/fixtures'
import type { ScenarioGroup } from '../lib/scenario'

const PRELOAD_CHUNK = 200_000
const USERS = 250_000

/** Creates both tables and stores `count` sessions of each library's shape with generate_series. */
async function preloadPostgres(url: string, count: number): Promise<void> {
  const engine = new PostgresEngine({ connectionString: url })
  await engine.prepare()
  await engine.release()
  const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
  const pool = new Pool({ connectionString: url, max: 1 })
  try {
    const ddl = readFileSync(benchResolve('connect-pg-simple/table.sql'), 'utf8')
    await pool.query(ddl)
    const now = Date.now()
    const expires = now + SESSION_LIFETIME_MS
    for (let start = 0; start < count; start += PRELOAD_CHUNK) {
      const end = Math.min(count, start + PRELOAD_CHUNK) - 1
      // Tokens and hashes as tests and PostgresEngine build them (lib/fixtures.ts postgresToken).
      await pool.query(
        `INSERT INTO session_registry (expires_at, last_accessed, first_accessed, token, category, fields)
         SELECT to_timestamp($3::float8 / 1000), to_timestamp($2::float8 / 1000), to_timestamp($2::float8 / 1000),
           rtrim(translate(encode(sha256(convert_to(lpad(i::text, 43, 'A'), 'UTF8')), 'base64'), '+/', '-_'), '='),
           'auth-user-' || (i % $5::int),
           -- The engine's layout: each field's value as its JSON text.
           (SELECT jsonb_object_agg(key, value::text) FROM json_each(json_build_object(
             'id', 'id' || lpad(i::text, 20, '0'), 'userId', 'user-' || (i % $5::int),
             'firstAccessed', $2::bigint, 'lastAccessed', $2::bigint, 'firstIp', '127.0.0.1',
             'lastIp', '127.0.0.1', 'userAgent', $6::text, 'deviceId', NULL, 'expiresAt', $3::bigint)))
         FROM generate_series($1::int, $4::int) AS i`,
        [start, now, expires, end, USERS, USER_AGENT]
      )
      await pool.query(
        `INSERT INTO "${CONNECT_PG_TABLE}" (sid, sess, expire)
         SELECT 'sid' || lpad(i::text, 29, '0'),
           json_build_object('cookie', json_build_object('originalMaxAge', $3::bigint, 'expires', $4::text,
             'secure', false, 'httpOnly', true, 'path', '/'), 'userId', 'user-' || (i % $5::int)),
           to_timestamp($2::float8 / 1000)
         FROM generate_series($1::int, $6::int) AS i`,
        [start, expires, SESSION_LIFETIME_MS, new Date(expires).toISOString(), USERS, end]
      )
    }
    await pool.query('VACUUM ANALYZE session_registry')
    await pool.query(`VACUUM ANALYZE "${CONNECT_PG_TABLE}"`)
  } finally {
    await pool.end()
  }
}

/** The PostgreSQL group. */
export const postgresGroup: ScenarioGroup = {
  id: 'postgres',
  needs: ['postgres'],
  apps: {
    'postgres-select': {
      label: 'raw primary-key SELECT in a middleware',
      create: (services) => postgresSelectApp(services)
    },
    'ours-postgres': {
      label: 'ours, PostgresEngine, Bearer',
      create: (services) => oursApp({ engine: 'postgres', credential: 'bearer' }, services)
    },
    'ours-postgres-cookie': {
      label: 'ours, PostgresEngine, cookie',
      create: (services) => oursApp({ engine: 'postgres', credential: 'cookie' }, services)
    },
    'connect-pg-simple': {
      label: 'express-session + connect-pg-simple',
      create: (services) => expressSessionApp('connect-pg-simple', services)
    }
  },
  summary: [
    { engine: 'PostgreSQL (floor: raw SELECT)', library: 'ours, PostgresEngine', floor: 'postgres' },
    {
      engine: 'PostgreSQL (floor: raw SELECT)',
      library: 'express-session + connect-pg-simple',
      floor: 'connect-pg-simple',
      versus: 'postgres-vs-connect-pg-simple'
    }
  ],
  pairs: [
    {
      id: 'postgres',
      kind: 'read',
      label: 'ours PostgresEngine vs a raw primary-key SELECT',
      baseline: 'postgres-select',
      candidate: 'ours-postgres'
    },
    {
      id: 'connect-pg-simple',
      kind: 'read',
      label: 'express-session + connect-pg-simple vs a raw primary-key SELECT',
      baseline: 'postgres-select',
      candidate: 'connect-pg-simple'
    },
    {
      id: 'postgres-vs-connect-pg-simple',
      kind: 'read',
      label: 'ours PostgresEngine, cookie, vs express-session + connect-pg-simple',
      baseline: 'connect-pg-simple',
      candidate: 'ours-postgres-cookie'
    }
  ],
  preload: async (services, sessions, log) => {
    if (services.postgresUrl === undefined) return
    // The raw SELECT's log in hands out preloaded session 0: at least one is always stored.
    const count = Math.max(1, sessions.postgres)
    log(`[postgres] preloading ${count.toLocaleString('en-US')} sessions of each library`)
    await preloadPostgres(services.postgresUrl, count)
  }
}
