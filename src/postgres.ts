export { PostgresEngine, type PostgresEngineOptions } from './engines/postgres/PostgresEngine'
export { PostgresTableError, PostgresTimeoutError } from './engines/postgres/errors'
