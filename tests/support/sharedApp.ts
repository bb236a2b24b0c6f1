import { join } from 'node:path'
import { ROOT } from './appProcess'

/**
 * An app instance in its own process: express, the session middleware, and the engine `engineSource`
 * builds; `sessionOptions` (JSON) are spread into `session()`.
 */
export function appSource(engineSource: string, sessionOptions: object = {}): string {
  return `
    const express = require('express')
    const { session, authenticateRequest, Session } = require(${JSON.stringify(join(ROOT, 'src/index.ts'))})
    ${engineSource}
    const app = express()
    app.use(session({ engine, ...${JSON.stringify(sessionOptions)} }))
    app.post('/login/:userId', async (req, res) => {
      await req.session.logIn(req.params.userId)
      res.json({ token: req.session.token })
    })
    app.get('/me', authenticateRequest, (req, res) => res.json({ userId: req.session.authenticatableId }))
    app.get('/sessions', authenticateRequest, async (req, res) => res.json(await req.session.activeSessions()))
    app.post('/logout', authenticateRequest, async (req, res) => {
      await req.session.logOut()
      res.end()
    })
    app.post('/logout-others', authenticateRequest, async (req, res) => {
      await req.session.logOutOthers()
      res.end()
    })
    app.post('/logout-all', authenticateRequest, async (req, res) => {
      await Session.logOutAll(req.session.authenticatableId, { engine })
      res.end()
    })
    // Every process prepares the engine at once, on start (PostgreSQL, SQLite: each creates the table).
    Promise.resolve(engine.prepare && engine.prepare()).then(() => {
      const server = app.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port))
    })
  `
}
