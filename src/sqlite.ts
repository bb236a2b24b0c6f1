export { SqliteEngine, SqliteEngineError, type SqliteEngineOptions } from './engines/SqliteEngine'
