// This library on PostgresEngine, as the README sets it up.
import { authenticateRequest, session } from '../../src'
import { PostgresEngine } from '../../src/postgres'
import { connectionString, express, fail, listen, POOL_SIZE } from './postgresCommon'

async function main(): Promise<void> {
  const engine = new PostgresEngine({ connectionString: connectionString(), max: POOL_SIZE })
  await engine.prepare()
  const app = express()
  app.use(session({ engine }))
  app.get('/me', authenticateRequest, (request, response) => {
    response.json({ id: request.session.authenticatableId })
  })
  listen(app)
}

main().catch(fail)
