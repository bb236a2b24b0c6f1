// Loads the built package by its name, through `import` and through `require`, and runs one log in and
// one authenticated request with each, so a broken build or exports map fails `npm test`.
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import express from 'express'

const require = createRequire(import.meta.url)

async function exercise(label, { session, authenticateRequest, MemoryEngine }) {
  assert.throws(() => session({ engine: 'not-an-installed-engine' }), TypeError, `${label}: engine names resolve`)
  const engine = new MemoryEngine()
  const app = express()
  app.use(session({ engine }))
  app.post('/login', async (request, response) => {
    await request.session.logIn('ada')
    response.json({ token: request.session.token })
  })
  app.get('/me', authenticateRequest, (request, response) => {
    response.json({ userId: request.session.userId })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  try {
    const { token } = await (await fetch(`${base}/login`, { method: 'POST' })).json()
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(me.status, 200, `${label}: authenticated request`)
    assert.deepEqual(await me.json(), { userId: 'ada' })
    assert.equal((await fetch(`${base}/me`)).status, 401, `${label}: anonymous request`)
  } finally {
    server.close()
    engine.release()
  }
  console.log(`dist ok: ${label}`)
}

await exercise('ESM', await import('express-session-registry'))
await exercise('CJS', require('express-session-registry'))
const redisEsm = await import('express-session-registry/redis')
const redisCjs = require('express-session-registry/redis')
assert.equal(typeof redisEsm.RedisEngine, 'function', 'ESM redis entry')
assert.equal(typeof redisCjs.RedisEngine, 'function', 'CJS redis entry')
console.log('dist ok: redis entry (ESM and CJS)')
const postgresEsm = await import('express-session-registry/postgres')
const postgresCjs = require('express-session-registry/postgres')
assert.equal(typeof postgresEsm.PostgresEngine, 'function', 'ESM postgres entry')
assert.equal(typeof postgresCjs.PostgresEngine, 'function', 'CJS postgres entry')
console.log('dist ok: postgres entry (ESM and CJS)')
const sqliteEsm = await import('express-session-registry/sqlite')
const sqliteCjs = require('express-session-registry/sqlite')
assert.equal(typeof sqliteEsm.SqliteEngine, 'function', 'ESM sqlite entry')
assert.equal(typeof sqliteCjs.SqliteEngine, 'function', 'CJS sqlite entry')
console.log('dist ok: sqlite entry (ESM and CJS)')
const testingEsm = await import('express-session-registry/testing')
const testingCjs = require('express-session-registry/testing')
assert.equal(typeof testingEsm.engineConformance, 'function', 'ESM testing entry')
assert.equal(typeof testingCjs.engineConformance, 'function', 'CJS testing entry')
console.log('dist ok: testing entry (ESM and CJS)')
