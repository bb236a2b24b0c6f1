import { Pool } from 'pg'
import { PostgresEngine, type PostgresEngineOptions } from '../../src/postgres'
import { PostgresServer } from './postgresServer'

/** A PostgreSQL server for one test file, an admin pool on it, and the engines its tests build. */
export interface PostgresTestbed {
  readonly server: PostgresServer
  readonly admin: Pool
  /** An engine on the server (not prepared), released after the file. */
  newEngine(options?: PostgresEngineOptions): PostgresEngine
  /** A prepared engine on a table of its own. */
  freshEngine(options?: PostgresEngineOptions): Promise<PostgresEngine>
}

/** Starts the server before the enclosing `describe`'s tests and tears everything down after them. */
export function postgresTestbed(): PostgresTestbed {
  let server: PostgresServer | undefined
  let admin: Pool | undefined
  const engines: PostgresEngine[] = []
  const bed: PostgresTestbed = {
    get server() {
      return server!
    },
    get admin() {
      return admin!
    },
    newEngine(options = {}) {
      const engine = new PostgresEngine({ connectionString: bed.server.connectionString, ...options })
      engines.push(engine)
      return engine
    },
    async freshEngine(options = {}) {
      const engine = bed.newEngine({ table: `test_${engines.length}`, ...options })
      await engine.prepare()
      return engine
    }
  }
  beforeAll(async () => {
    server = await PostgresServer.start()
    admin = new Pool({ connectionString: server.connectionString, max: 2 })
  })
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.release()))
    await admin?.end()
    await server?.destroy()
  })
  return bed
}
