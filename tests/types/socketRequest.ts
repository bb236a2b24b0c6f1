// Compile-time test of the raw Node request's session: socket.io hands its handlers `socket.request`, an
// `http.IncomingMessage`, and after `io.engine.use(session())` its session is typed without a cast.
import { createServer, type IncomingMessage } from 'node:http'
import express from 'express'
import { Server } from 'socket.io'
import { readSession, session, type Session } from 'express-session-registry'

const sessions = session()
const app = express()
app.use(sessions)
const httpServer = createServer(app)
const io = new Server(httpServer)
io.engine.use(sessions)
io.use((socket, next) => {
  const request: IncomingMessage = socket.request
  const current: Session = request.session
  const authenticated: boolean = current.authenticated
  const id: string | null = current.id
  const userId: string | null = socket.request.session.userId
  // @ts-expect-error the session's state is the middleware's, not the app's
  socket.request.session.authenticated = true
  // @ts-expect-error the session is this library's, not any object
  const notASession: string = socket.request.session
  void [authenticated, id, userId, notASession]
  next()
})

// A plain `http` server running the middleware itself reads the same property.
createServer((request, response) => {
  sessions(request, response, async () => {
    await request.session.logIn('ada')
    const fromUpgrade: Session = await readSession(request)
    void fromUpgrade
    response.end()
  })
})

// An Express route's session keeps its type next to the raw request's.
app.get('/', (request, response) => {
  const current: Session = request.session
  const raw: IncomingMessage = request
  const same: Session = raw.session
  void [current, same]
  response.end()
})
