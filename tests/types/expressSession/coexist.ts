// Compile-time test of a project in the middle of a move from express-session (docs/migrating.md):
// @types/express-session (loaded by connect-redis's types too) and this library both installed, with
// skipLibCheck off, and request.session typed as this library's session without a cast.
import type { IncomingMessage } from 'node:http'
import { RedisStore } from 'connect-redis'
import express from 'express'
import expressSession from 'express-session'
import { session, type Session as RegistrySession } from 'express-session-registry'

// With examples/migrating/session-migration.d.ts, the file docs/migrating.md has the app add.
declare module 'express-session' {
  interface SessionData {
    userId: string
  }
}

const legacy = expressSession({ secret: 'keyboard cat', store: new RedisStore({ client: {} }) })
void legacy
const app = express()
app.use(session())
app.get('/', async (request, response) => {
  await request.session.logIn('ada', { data: {} })
  const userId: string | null = request.session.authenticatableId
  const authenticated: boolean = request.session.authenticated
  const ours: RegistrySession = request.session
  // The old session's fields stay typed for the code that reads the old store.
  const old: string | undefined = request.session.userId
  // @ts-expect-error this library's members keep their own types
  const notANumber: number = request.session.authenticated
  void notANumber
  void [userId, authenticated, ours, old]
  response.end()
})

// The raw Node request (socket.io's `socket.request`) carries the same merged session.
declare const raw: IncomingMessage
const rawSession: RegistrySession = raw.session
const rawOld: string | undefined = raw.session.userId
void [rawSession, rawOld]
