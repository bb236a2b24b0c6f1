import type { AddressInfo } from 'node:net'
import { MemoryEngine, type SessionEngine } from 'express-session-registry'
import { createDemoServer } from './app'
import { trustProxyFrom } from './trustProxy'
import { DEMO_PASSWORD, DEMO_USERS } from './users'

const DEFAULT_PORT = 3000
// Loopback only by default: the demo users' password is printed below. HOST=0.0.0.0 opens it up.
const DEFAULT_HOST = '127.0.0.1'

// Variables, not literals, so the demo runs (and type-checks) where the Redis or SQLite entry is not there.
const REDIS_ENTRY = 'express-session-registry/redis'
const SQLITE_ENTRY = 'express-session-registry/sqlite'

interface RedisEntry {
  RedisEngine: new (options: { url: string }) => SessionEngine
}

interface SqliteEntry {
  SqliteEngine: new (options: { filename: string }) => SessionEngine
}

/**
 * The Redis engine when `REDIS_URL` is set, the SQLite engine when `SQLITE_FILE` is (each loaded only
 * then), else the embedded memory engine.
 */
async function createEngine(
  redisUrl: string | undefined,
  sqliteFile: string | undefined
): Promise<{ engine: SessionEngine; label: string }> {
  if (redisUrl && sqliteFile) throw new Error('Set REDIS_URL or SQLITE_FILE, not both')
  if (sqliteFile) {
    const entry = (await import(SQLITE_ENTRY).catch((error: Error) => {
      throw new Error(
        `SQLITE_FILE is set, but ${SQLITE_ENTRY} cannot be loaded (is better-sqlite3 installed?): ${error.message}`
      )
    })) as SqliteEntry
    return { engine: new entry.SqliteEngine({ filename: sqliteFile }), label: `in SQLite at ${sqliteFile}` }
  }
  if (!redisUrl) {
    return { engine: new MemoryEngine(), label: 'in memory (set REDIS_URL to use Redis, SQLITE_FILE to use SQLite)' }
  }
  const entry = (await import(REDIS_ENTRY).catch((error: Error) => {
    throw new Error(`REDIS_URL is set, but ${REDIS_ENTRY} cannot be loaded (is redis installed?): ${error.message}`)
  })) as RedisEntry
  const { RedisEngine } = entry
  return { engine: new RedisEngine({ url: redisUrl }), label: `in Redis at ${new URL(redisUrl).host}` }
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got "${value}"`)
  return port
}

async function main(): Promise<void> {
  const port = portFrom(process.env.PORT)
  // `||`, not `??`: an empty HOST is no address, so it means the default too.
  const host = process.env.HOST || DEFAULT_HOST
  const { engine, label } = await createEngine(process.env.REDIS_URL, process.env.SQLITE_FILE)
  const trustProxy = trustProxyFrom(process.env.TRUST_PROXY)
  let demo: ReturnType<typeof createDemoServer>
  try {
    demo = createDemoServer({ engine, trustProxy })
  } catch (error) {
    throw new Error(`TRUST_PROXY must be a value Express's trust proxy accepts: ${(error as Error).message}`)
  }
  // A plain http.Server reports a failed listen as an 'error' event, not through the callback.
  demo.once('error', (error: Error) => {
    console.error(`Cannot listen on ${host}:${port}: ${error.message}`)
    process.exit(1)
  })
  const server = demo.listen(port, host, () => {
    const { port: actualPort } = server.address() as AddressInfo
    const users = DEMO_USERS.map((user) => user.username).join(' or ')
    console.log(`express-session-registry demo: http://localhost:${actualPort}`)
    console.log(`Sign in as ${users}, password ${DEMO_PASSWORD}. Sessions are kept ${label}.`)
    console.log('Press Ctrl-C to stop.')
  })

  let stopping = false
  const stop = (): void => {
    if (stopping) process.exit(1)
    stopping = true
    server.close(() => {
      Promise.resolve(engine.release?.()).then(
        () => process.exit(0),
        () => process.exit(1)
      )
    })
    // Browsers keep connections open; without this the server would wait for them to time out.
    server.closeAllConnections()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
