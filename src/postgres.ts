export { PostgresEngine, type PostgresEngineOptions } from './engines/PostgresEngine'
