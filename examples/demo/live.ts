import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Request } from 'express'
import { readSession, type SessionMiddleware, type SessionOptions } from 'express-session-registry'
import { WebSocketServer, type WebSocket } from 'ws'

/** Where the devices page opens its WebSocket. */
export const LIVE_PATH = '/live'
/** The devices page's only script. */
export const LIVE_SCRIPT_PATH = '/live.js'

/** The close code of a live socket whose session ended: the page reloads onto the sign-in form. */
export const SESSION_ENDED_CLOSE_CODE = 4401

/** The browser side: reload the devices page whenever the server says the user's sessions changed. */
export const LIVE_SCRIPT = `const socket = new WebSocket(\`\${location.protocol === 'https:' ? 'wss' : 'ws'}://\${location.host}${LIVE_PATH}\`)
socket.addEventListener('message', () => location.reload())
socket.addEventListener('close', (event) => { if (event.code === ${SESSION_ENDED_CLOSE_CODE}) location.reload() })
`

interface Listener {
  userId: string
  sessionId: string
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * Live devices pages: a signed-in page opens a WebSocket at {@link LIVE_PATH}; when one of the user's
 * devices signs in, is signed out or signs out, every other open page of that user is told to reload.
 * The sockets of a session that ended are closed (code {@link SESSION_ENDED_CLOSE_CODE}) at once, so a
 * signed-out device hears nothing more of the user. The page whose request made the change is not told:
 * it is already navigating.
 */
export function attachLiveUpdates(server: Server, sessions: SessionMiddleware, sessionOptions: SessionOptions): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 })
  const listeners = new Map<WebSocket, Listener>()

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== LIVE_PATH) return refuse(socket, '404 Not Found')
    // The library applies its cross-site rule to upgrades: another site's page gets no session here.
    readSession(request, sessionOptions).then(
      (session) => {
        if (!session.authenticated) return refuse(socket, '401 Unauthorized')
        wss.handleUpgrade(request, socket, head, (ws) => {
          listeners.set(ws, { userId: session.userId!, sessionId: session.id! })
          ws.on('close', () => listeners.delete(ws))
        })
      },
      () => refuse(socket, '503 Service Unavailable')
    )
  })
  server.on('close', () => wss.close())

  const tell = (userId: string, actorSessionId: string | null | undefined): void => {
    for (const [ws, listener] of listeners) {
      if (listener.userId === userId && listener.sessionId !== actorSessionId) ws.send('sessions-changed')
    }
  }
  // Before anyone is told: a socket of an ended session must not receive the user's next message.
  const close = (sessionIds: readonly string[]): void => {
    for (const [ws, listener] of listeners) {
      if (!sessionIds.includes(listener.sessionId)) continue
      listeners.delete(ws)
      ws.close(SESSION_ENDED_CLOSE_CODE, 'session ended')
    }
  }
  sessions
    .on('logIn', ({ userId, sessionId }) => tell(userId, sessionId))
    // The session that signed out is the one whose page is navigating.
    .on('logOut', ({ userId, sessionId }) => {
      close([sessionId])
      tell(userId, sessionId)
    })
    .on('revoke', ({ userId, sessionIds, request }) => {
      close(sessionIds)
      tell(userId, (request as Request | undefined)?.session?.id)
    })
    .on('expired', ({ sessionId }) => close([sessionId]))
}
