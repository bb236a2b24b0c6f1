export { SqliteEngine, SqliteEngineError, type SqliteEngineOptions } from './engines/sqlite/SqliteEngine'
