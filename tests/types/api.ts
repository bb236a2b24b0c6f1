// Compile-time tests of the public types: `tsc --noEmit -p tests/types` must pass, and every
// `@ts-expect-error` must be needed.
import express, { type Request } from 'express'
import {
  type ActiveSession,
  authenticateRequest,
  type Engine,
  type ExpressSessionOptions,
  type SessionRegistrySubject,
  injectSession,
  MemoryEngine,
  session,
  Session,
  type SessionEngine,
  SessionEngineError,
  type SessionOptions
} from 'express-session-registry'
import { PostgresEngine, type PostgresEngineOptions } from 'express-session-registry/postgres'
import { MemoryEngine as RegistryMemoryEngine } from '@universal-packages/token-registry'

const app = express()
app.use(session())
app.use(session({ engine: new MemoryEngine({ maxSessions: 1000 }), idleTimeout: 60_000, absoluteTimeout: false }))
app.use(session({ engine: new RegistryMemoryEngine() }))
app.use(session({ engine: 'redis', engineOptions: { url: 'redis://localhost' } }))
app.use(session({ sameSite: 'none', secure: true, trustedOrigins: ['https://a.example'] }))
app.use(session({ httpOnlyCookie: true, secureCookie: 'auto', sameSiteCookie: 'strict', seed: 's' }))
app.get('/', authenticateRequest, async (request: Request, response) => {
  const current: Session = request.session
  const authenticated: boolean = current.authenticated
  const id: string | null = current.authenticatableId
  const alias: string | null = current.userId
  const expiresAt: Date | null = current.expiresAt
  await current.logIn('ada')
  await current.logIn(42)
  await current.logIn(42n)
  const ended: boolean = await current.logOut()
  await current.logOut('session-id')
  await current.logOutOthers()
  const sessions: Record<string, ActiveSession> = await current.activeSessions()
  const first: boolean | undefined = Object.values(sessions)[0]?.current
  await current.updateDeviceId('phone')
  response.json({ authenticated, id, alias, expiresAt, ended, first })
})
app.use(async (request, response, next) => {
  await injectSession(request, response, { cookieName: 'sid' })
  next()
})
void Session.activeSessions('ada', { engine: 'memory' })
void Session.logOutAll(7)

const error: SessionEngineError = new SessionEngineError('read', new Error('down'))
const status: 503 = error.status
void status

const custom: SessionEngine = {
  get: async () => undefined,
  set: async () => undefined,
  getAll: async () => ({}),
  delete: async () => undefined,
  clear: async () => undefined
}
const anyEngine: Engine = custom
void anyEngine

// @ts-expect-error sameSite takes lowercase names
session({ sameSite: 'Lax' })
// @ts-expect-error idleTimeout is milliseconds or false
session({ idleTimeout: '30d' })
// @ts-expect-error secure is a boolean or 'auto'
session({ secure: 'yes' })
// @ts-expect-error an engine needs the whole contract
session({ engine: { get: async () => undefined } })
// @ts-expect-error trustedOrigins is a list
const wrongOrigins: SessionOptions = { trustedOrigins: 'https://a.example' }
void wrongOrigins
session({ maxSessionsPerUser: 10 })
// @ts-expect-error maxSessionsPerUser is a number
session({ maxSessionsPerUser: '10' })
// @ts-expect-error express-session's names are not options here
session({ secret: 'keyboard cat' })

app.get('/misuse', async (request) => {
  // @ts-expect-error logIn takes an id, not an object
  await request.session.logIn({ id: 1 })
  // @ts-expect-error authenticated is read as a boolean, not called
  request.session.authenticated()
  // @ts-expect-error the device id is a string
  await request.session.updateDeviceId(5)
  // @ts-expect-error userId is a read-only alias
  request.session.userId = 'x'
  // @ts-expect-error authenticated is read-only: only logIn() and a valid token make a session authenticated
  request.session.authenticated = true
  // @ts-expect-error every fact is read-only
  request.session.authenticatableId = 'admin'
  // @ts-expect-error every fact is read-only
  request.session.expiresAt = null
  // @ts-expect-error the token is read-only
  request.session.token = 'x'
  const token: string | null = request.session.token
  void token
})

// The upstream type names still resolve.
const upstreamOptions: ExpressSessionOptions = { cookieName: 'sid', trackSessionAccess: true }
const upstreamSubject: Pick<SessionRegistrySubject, 'id' | 'userId'> = { id: 'a', userId: 'b' }
void upstreamOptions
void upstreamSubject

// The PostgreSQL engine: pg's pool options, its own options, and a whole engine contract.

const postgresOptions: PostgresEngineOptions = {
  connectionString: 'postgres://localhost/app',
  max: 5,
  table: 'sessions'
}
const postgres: SessionEngine = new PostgresEngine(postgresOptions)
app.use(session({ engine: postgres }))
// @ts-expect-error statementTimeout is milliseconds
new PostgresEngine({ statementTimeout: '1s' })
// @ts-expect-error createTable is a boolean
new PostgresEngine({ createTable: 'yes' })
