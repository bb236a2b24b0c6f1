import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server as SocketServer } from 'socket.io'
import { io as connect, type Socket as ClientSocket } from 'socket.io-client'
import supertest from 'supertest'
import WebSocket, { WebSocketServer } from 'ws'
import { readSession, session, SessionError, type SessionOptions } from '../../src'
import { createApp, expressVersions, sessionCookie } from '../support/app'
import { engineMatrix } from '../support/engineMatrix'

const EVIL_ORIGIN = 'https://evil.example'

/** Listens on a free loopback port and resolves the origin. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

/** The `Cookie` header value a browser would send after `response`. */
function cookieFrom(response: supertest.Response): string {
  return sessionCookie(response)!.split(';')[0]
}

/** Resolves once the socket is connected, rejects with the server's refusal. */
function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
}

const engines = engineMatrix()

describe.each(engines)('WebSockets and raw Node requests on the $name engine', ({ engine }) => {
  describe.each(expressVersions)("socket.io's io.engine.use(session()) next to %s", (_version, express) => {
    let options: SessionOptions
    let app: ReturnType<typeof createApp>
    let httpServer: Server
    let origin: string
    let sockets: SocketServer
    const clients: ClientSocket[] = []

    beforeAll(async () => {
      options = { engine: engine() }
      const middleware = session(options)
      app = createApp(express, options, { errors: [] }, middleware)
      httpServer = createServer(app)
      sockets = new SocketServer(httpServer)
      sockets.engine.use(middleware)
      // The app's guard: only authenticated handshakes get a socket, in a room named after the session.
      sockets.use((socket, next) => {
        const current = socket.request.session
        if (!current.authenticated) return next(new Error('unauthorized'))
        void socket.join(`session:${current.id}`)
        next()
      })
      sockets.on('connection', (socket) => {
        socket.emit('hello', { userId: socket.request.session.userId })
      })
      // A revoked device's sockets are closed at once.
      middleware.on('revoke', ({ sessionIds }) => {
        for (const id of sessionIds) sockets.in(`session:${id}`).disconnectSockets(true)
      })
      origin = await listen(httpServer)
    })

    afterAll(async () => {
      for (const client of clients) client.close()
      await sockets.close()
      await close(httpServer).catch(() => undefined)
    })

    function client(headers: Record<string, string>): ClientSocket {
      const socket = connect(origin, {
        transports: ['websocket'],
        extraHeaders: headers,
        reconnection: false,
        forceNew: true
      })
      clients.push(socket)
      return socket
    }

    async function logIn(userId: string): Promise<supertest.Response> {
      return supertest(app).post('/login').send({ userId }).expect(200)
    }

    it('authenticates a handshake that carries the session cookie', async () => {
      const login = await logIn('ada')
      const socket = client({ cookie: cookieFrom(login) })
      const hello = new Promise((resolve) => socket.once('hello', resolve))
      await connected(socket)
      expect(await hello).toEqual({ userId: 'ada' })
    })

    it("lets the app's guard refuse an anonymous handshake", async () => {
      await expect(connected(client({}))).rejects.toThrow('unauthorized')
    })

    it('does not honour the cookie on an upgrade from a foreign Origin (cross-site WebSocket hijacking)', async () => {
      const login = await logIn('ada')
      await expect(connected(client({ cookie: cookieFrom(login), origin: EVIL_ORIGIN }))).rejects.toThrow(
        'unauthorized'
      )
      const own = client({ cookie: cookieFrom(login), origin })
      await connected(own)
    })

    it("closes a revoked session's socket when the app listens to 'revoke'", async () => {
      const phone = await logIn('ada')
      const laptop = await logIn('ada')
      const socket = client({ cookie: cookieFrom(phone) })
      await connected(socket)
      const closedBy = new Promise((resolve) => socket.once('disconnect', resolve))
      await supertest(app)
        .post('/logout')
        .set('Authorization', laptop.headers.authorization)
        .send({ target: phone.body.session.id })
        .expect(200, { ended: true })
      expect(await closedBy).toBe('io server disconnect')
    })
  })

  describe('on a plain http server (no Express)', () => {
    let server: Server
    let origin: string
    let errors: unknown[]

    beforeAll(async () => {
      const options: SessionOptions = { engine: engine() }
      const middleware = session(options)
      errors = []
      server = createServer((request, response) => {
        middleware(request, response, (error) => {
          if (error) {
            errors.push(error)
            response.statusCode = 503
            return response.end()
          }
          const current = request.session
          if (request.url === '/login' && request.method === 'POST') {
            current.logIn('ada').then(() => response.end(JSON.stringify(current)))
            return
          }
          response.setHeader('Content-Type', 'application/json')
          response.end(JSON.stringify({ authenticated: current.authenticated, lastIp: current.lastIp }))
        })
      })
      origin = await listen(server)
    })
    afterAll(() => close(server))

    it('logs in, sets the cookie, and recognises it with the socket address as the IP', async () => {
      const login = await supertest(origin).post('/login').expect(200)
      expect(sessionCookie(login)).toMatch(
        /^session=[\w-]{43}; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/
      )
      const me = await supertest(origin).get('/me').set('Cookie', cookieFrom(login)).expect(200)
      expect(me.body).toEqual({ authenticated: true, lastIp: '127.0.0.1' })
    })

    it('answers a cookie POST from a foreign Origin as anonymous, not with an error', async () => {
      const login = await supertest(origin).post('/login').expect(200)
      const forged = await supertest(origin)
        .post('/me')
        .set('Cookie', cookieFrom(login))
        .set('Origin', EVIL_ORIGIN)
        .expect(200)
      expect(forged.body.authenticated).toBe(false)
      const own = await supertest(origin).post('/me').set('Cookie', cookieFrom(login)).set('Origin', origin)
      expect(own.body.authenticated).toBe(true)
      expect(errors).toEqual([])
    })
  })

  describe("readSession() on a ws server's upgrade", () => {
    let options: SessionOptions
    let app: ReturnType<typeof createApp>
    let server: Server
    let origin: string
    let wss: WebSocketServer
    let lastRead: Awaited<ReturnType<typeof readSession>> | undefined

    beforeAll(async () => {
      options = { engine: engine() }
      app = createApp(expressVersions[1][1], options)
      server = createServer(app)
      wss = new WebSocketServer({ noServer: true })
      server.on('upgrade', (request, socket, head) => {
        readSession(request, options).then(
          (current) => {
            lastRead = current
            if (!current.authenticated) {
              socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
              return
            }
            wss.handleUpgrade(request, socket, head, (ws) => ws.send(JSON.stringify({ userId: current.userId })))
          },
          () => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
        )
      })
      origin = await listen(server)
    })
    afterAll(async () => {
      wss.close()
      await close(server)
    })

    /** Opens a WebSocket and resolves its first message, or rejects with the refusal's status. */
    function open(headers: Record<string, string>): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(origin.replace('http', 'ws'), { headers })
        ws.once('message', (message) => {
          resolve(JSON.parse(String(message)))
          ws.close()
        })
        ws.once('unexpected-response', (_request, response) => reject(new Error(`status ${response.statusCode}`)))
        ws.once('error', reject)
      })
    }

    it('reads the session a cookie-carried upgrade comes with', async () => {
      const login = await supertest(app).post('/login').send({ userId: 'ada' }).expect(200)
      expect(await open({ cookie: cookieFrom(login), origin })).toEqual({ userId: 'ada' })
    })

    it('refuses an anonymous upgrade and a cookie-carried one from a foreign Origin', async () => {
      const login = await supertest(app).post('/login').send({ userId: 'ada' }).expect(200)
      await expect(open({})).rejects.toThrow('status 401')
      await expect(open({ cookie: cookieFrom(login), origin: EVIL_ORIGIN })).rejects.toThrow('status 401')
    })

    it('refuses logIn() (there is no response to carry a token), and logs out on the server side', async () => {
      const login = await supertest(app).post('/login').send({ userId: 'ada' }).expect(200)
      await open({ authorization: login.headers.authorization })
      const current = lastRead!
      await expect(current.logIn('eve')).rejects.toBeInstanceOf(SessionError)
      await expect(current.logIn('eve')).rejects.toThrow(/logIn\(\) needs a response/)
      expect(current.userId).toBe('ada')
      expect(Object.keys(await current.activeSessions())).toContain(current.id)
      expect(await current.logOut()).toBe(true)
      await supertest(app).get('/me').set('Authorization', login.headers.authorization).expect(401)
    })
  })
})
