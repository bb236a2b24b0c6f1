import type { PoolConfig } from 'pg'
import type { MigrationHints } from '../../engine'

// pg.Pool ignores what it does not know: connect-pg-simple's names and typos would vanish, so the engine
// checks every name against these.

// Typed against pg's PoolConfig, so the list follows the installed driver's options.
const POOL_OPTIONS: Record<keyof PoolConfig, true> = {
  Client: true,
  Promise: true,
  allowExitOnIdle: true,
  application_name: true,
  client_encoding: true,
  connectionString: true,
  connectionTimeoutMillis: true,
  database: true,
  enableChannelBinding: true,
  fallback_application_name: true,
  host: true,
  idleTimeoutMillis: true,
  idle_in_transaction_session_timeout: true,
  keepAlive: true,
  keepAliveInitialDelayMillis: true,
  lock_timeout: true,
  log: true,
  max: true,
  maxLifetimeSeconds: true,
  maxUses: true,
  min: true,
  onConnect: true,
  options: true,
  password: true,
  pipeline: true,
  port: true,
  query_timeout: true,
  ssl: true,
  sslnegotiation: true,
  statement_timeout: true,
  stream: true,
  types: true,
  user: true,
  verify: true
}

/** `pg.Pool`'s option names, which `PostgresEngine` passes on to the pool it creates. */
export const POOL_OPTION_NAMES: readonly string[] = Object.keys(POOL_OPTIONS)

/** connect-pg-simple's options, each with what to use here. */
export const CONNECT_PG_SIMPLE_HINTS: MigrationHints = {
  conString: 'use "connectionString"',
  conObject: 'put the pg.Pool options ("host", "user", "database", ...) at the top level, or pass a pg.Pool as "pool"',
  pgPromise: 'not supported: pass a pg.Pool as "pool"',
  tableName: 'use "table"',
  schemaName: 'use "schema"',
  createTableIfMissing: 'use "createTable" (on by default here)',
  pruneSessionInterval: 'use "sweepInterval" (milliseconds, not seconds; Infinity turns the sweep off)',
  pruneSessionRandomizedInterval: 'not needed: each sweep removes a bounded batch, so instances may sweep together',
  ttl: 'sessions expire by session()\'s "idleTimeout" and "absoluteTimeout" (milliseconds)',
  disableTouch: 'not needed: renewal writes at most once per half of session()\'s "idleTimeout"',
  errorLog: 'not needed: failures reach Express\'s error handler and the "engineError" event'
}
