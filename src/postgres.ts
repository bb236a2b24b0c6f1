export { PostgresEngine, type PostgresEngineOptions } from './engines/postgres/PostgresEngine'
