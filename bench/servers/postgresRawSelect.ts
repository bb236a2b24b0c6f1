// The floor of any PostgreSQL-backed session: one named primary-key SELECT per request on a pg pool,
// keyed by the SHA-256 of the bearer token, on the same table and rows PostgresEngine reads.
import { hash } from 'node:crypto'
import type { Pool as PoolType } from 'pg'
import { connectionString, express, fail, fromBench, listen, POOL_SIZE, route } from './postgresCommon'

const SELECT = {
  name: 'raw_get',
  text: 'SELECT fields FROM session_registry WHERE token = $1 AND (expires_at IS NULL OR expires_at > now())'
}

async function main(): Promise<void> {
  const { Pool } = fromBench<{ Pool: typeof PoolType }>('pg')
  const pool = new Pool({ connectionString: connectionString(), max: POOL_SIZE })
  const app = express()
  app.get(
    '/me',
    route(async (request, response) => {
      const token = request.headers.authorization?.slice('Bearer '.length) ?? ''
      const { rows } = await pool.query<{ fields: { userId: string } }>({
        ...SELECT,
        values: [hash('sha256', token, 'base64url')]
      })
      if (rows.length === 0) response.status(401).end()
      // Each field is stored as its JSON text, as PostgresEngine stores it.
      else response.json({ id: JSON.parse(rows[0].fields.userId) as string })
    })
  )
  listen(app)
}

main().catch(fail)
