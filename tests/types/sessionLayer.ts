// Compile-time tests of session data, events, the recent-login guard and raw Node requests.
import { createServer } from 'node:http'
import express, { type Request, type RequestHandler } from 'express'
import {
  readSession,
  requireRecentLogin,
  session,
  Session,
  SessionEngineError,
  type ActiveSession,
  type RevokeEvent,
  type SessionData
} from 'express-session-registry'

declare module 'express-session-registry' {
  interface SessionData {
    orgId?: string
    mfa?: { verifiedAt: number }
  }
}

const middleware = session({ maxDataBytes: 1024 })
// Still an Express handler where apps typed it as one.
const asHandler: RequestHandler = middleware
void asHandler
const app = express()
app.use(middleware)
app.post('/password', requireRecentLogin(5 * 60_000), async (request: Request, response) => {
  const orgId: string | undefined = request.session.data.orgId
  const verifiedAt: number | undefined = request.session.data.mfa?.verifiedAt
  const applied: boolean = await request.session.updateData({ orgId: 'org-2', mfa: undefined })
  await request.session.logIn('ada', { data: { orgId: 'org-1' } })
  // @ts-expect-error data is read-only: changes go through updateData()
  request.session.data.orgId = 'x'
  // @ts-expect-error an augmented field keeps its type
  await request.session.updateData({ orgId: 42 })
  // @ts-expect-error a field the app did not declare
  await request.session.updateData({ unknownField: true })
  // @ts-expect-error logIn's data is typed too
  await request.session.logIn('ada', { data: { orgId: false } })
  response.json({ orgId, verifiedAt, applied })
})
const listed: ActiveSession['data'] = {} satisfies SessionData
void listed

// Events: payloads carry ids and the request, never a token.
middleware
  .on('logIn', ({ sessionId, userId, request }) => {
    const ids: [string, string] = [sessionId, userId]
    const url: string | undefined = request?.url
    void ids
    void url
  })
  .on('revoke', (event: RevokeEvent) => {
    const ids: string[] = event.sessionIds
    void ids
  })
  .on('renew', async ({ expiresAt }) => {
    const when: Date | null = expiresAt
    void when
  })
  .on('engineError', ({ error }) => {
    const status: 503 = error.status
    const same: SessionEngineError = error
    void status
    void same
  })
// @ts-expect-error no such event
middleware.on('login', () => undefined)
middleware.on('logOut', (event) => {
  // @ts-expect-error no token in a payload
  void event.token
})

// Raw Node requests: the middleware and readSession() take them.
createServer((request, response) => {
  middleware(request, response, () => response.end())
}).on('upgrade', async (request) => {
  const current: Session = await readSession(request, { cookieName: 'sid' })
  const sessions: Record<string, ActiveSession> = await current.activeSessions()
  void sessions
})

// @ts-expect-error maxAgeMs is a number of milliseconds
requireRecentLogin('5m')
// @ts-expect-error maxDataBytes is a number of bytes
session({ maxDataBytes: '4kb' })
