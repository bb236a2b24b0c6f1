import { createHash } from 'node:crypto'
import type { Express } from 'express'
import express from 'express'
import request from 'supertest'
import type { createClient } from 'redis'
import { Session } from 'express-session-registry'
import type { SessionEngine } from 'express-session-registry'
import type { RedisEngine } from 'express-session-registry/redis'
import { bearer, createApp, expressVersions, sessionCookie } from './app'
import { eventually, RedisMonitor } from './redisServer'

// The HTTP flow, run over every engine (each Redis client and topology, PostgreSQL) with a look at what
// the store holds; and the hostile-token check of the Redis engine.

const userAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** The key hash the core stores a token under (no registryId). */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

/** Logs `userId` in and returns the token, the session id and the `session=` cookie pair. */
export async function logIn(app: Express, userId: string): Promise<{ token: string; id: string; cookie: string }> {
  const response = await request(app).post('/login').set('User-Agent', userAgent).send({ userId }).expect(200)
  const token = response.body.token as string
  expect(response.headers.authorization).toBe(`bearer ${token}`)
  const cookie = sessionCookie(response)
  expect(cookie).toBeDefined()
  return { token, id: response.body.session.id as string, cookie: cookie!.split(';')[0] }
}

export const auth = (token: string) => ({ Authorization: bearer(token) })

export type Raw = Pick<ReturnType<typeof createClient>, 'exists' | 'pTTL' | 'zRange'>

/** What a test can see of the sessions a store holds, read around the engine. */
export interface StoredSessions {
  /** Milliseconds until the entry of `token` expires, or `undefined` when the store holds no live entry. */
  ttlOf(token: string): Promise<number | undefined>
  /** The token hashes the store lists for `userId`. */
  indexOf(userId: string): Promise<string[]>
  /** Checks what is stored for a session just logged in, beyond its entry (the index's TTL, no raw token). */
  checkStored(token: string, userId: string, idleTimeout: number): Promise<void>
  /** Checks what is left once the session of `userId` lapsed. */
  checkLapsed(userId: string): Promise<void>
}

/** A RedisEngine's sessions under the default identifier, as `raw` sees them. */
export function redisStore(raw: Raw): StoredSessions {
  const entry = (token: string) => `universal-registry:t:${tokenHash(token)}`
  const index = (userId: string) => `universal-registry:i:auth-${userId}`
  return {
    ttlOf: async (token) => ((await raw.exists(entry(token))) === 1 ? raw.pTTL(entry(token)) : undefined),
    indexOf: (userId) => raw.zRange(index(userId), 0, -1),
    checkStored: async (_token, userId, idleTimeout) => {
      expect(await raw.pTTL(index(userId))).toBeGreaterThan(idleTimeout - 5_000)
    },
    checkLapsed: async (userId) => {
      expect(await raw.exists(index(userId))).toBe(0)
    }
  }
}

/** The whole HTTP flow over one engine, on Express 4 and 5; `raw` for a RedisEngine, else `store`. */
export function describeHttpFlow(
  setup: () => { engine: SessionEngine; raw?: Raw; store?: StoredSessions },
  label = ''
): void {
  describe.each(expressVersions)('the HTTP flow on %s', (versionName, version) => {
    const idleTimeout = 60_000
    const user = (name: string) => `${name}${label}-${versionName.replace(' ', '')}`
    let app: Express
    let engine: SessionEngine
    let store: StoredSessions

    beforeAll(() => {
      const given = setup()
      engine = given.engine
      store = given.store ?? redisStore(given.raw!)
      app = createApp(version, { engine, idleTimeout })
    })

    it('logs in, and recognises the session by bearer token and by cookie', async () => {
      const { token, id, cookie } = await logIn(app, user('alice'))
      const byBearer = await request(app).get('/me').set(auth(token)).expect(200)
      expect(byBearer.body).toMatchObject({ userId: user('alice'), id })
      await request(app).get('/me').set('Cookie', cookie).expect(200)
      await request(app).get('/me').expect(401)
    })

    it('stores the session under its token hash, expiring with the idle timeout, and indexes it', async () => {
      const { token } = await logIn(app, user('ttl'))
      const ttl = await store.ttlOf(token)
      expect(ttl).toBeGreaterThan(idleTimeout - 5_000)
      expect(ttl).toBeLessThanOrEqual(idleTimeout)
      expect(await store.indexOf(user('ttl'))).toEqual([tokenHash(token)])
      await store.checkStored(token, user('ttl'), idleTimeout)
    })

    it('lists the active sessions by id, without tokens', async () => {
      const first = await logIn(app, user('bob'))
      const second = await logIn(app, user('bob'))
      const { body } = await request(app).get('/sessions').set(auth(second.token)).expect(200)
      expect(Object.keys(body).sort()).toEqual([first.id, second.id].sort())
      expect(body[second.id]).toMatchObject({ current: true })
      expect(JSON.stringify(body)).not.toContain(first.token)
      expect(JSON.stringify(body)).not.toContain(second.token)
    })

    it('logs out: the token is rejected, and the entry and its index member are gone', async () => {
      const { token } = await logIn(app, user('carol'))
      await request(app).post('/logout').set(auth(token)).expect(200)
      await request(app).get('/me').set(auth(token)).expect(401)
      expect(await store.ttlOf(token)).toBeUndefined()
      expect(await store.indexOf(user('carol'))).toEqual([])
    })

    it('logs the other sessions out and keeps the current one', async () => {
      const [a, b, c] = [await logIn(app, user('dave')), await logIn(app, user('dave')), await logIn(app, user('dave'))]
      await request(app).post('/logout-others').set(auth(b.token)).expect(204)
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(c.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(200)
      expect(await store.indexOf(user('dave'))).toEqual([tokenHash(b.token)])
    })

    it('logs every session out with Session.logOutAll', async () => {
      const [a, b] = [await logIn(app, user('erin')), await logIn(app, user('erin'))]
      await Session.logOutAll(user('erin'), { engine })
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(401)
      expect(await store.indexOf(user('erin'))).toEqual([])
    })

    it('records a device id over the live session', async () => {
      const { token, id } = await logIn(app, user('fay'))
      await request(app).post('/device').set(auth(token)).send({ deviceId: 'pixel-8' }).expect(200)
      const { body } = await request(app).get('/sessions').set(auth(token)).expect(200)
      expect(body[id]).toMatchObject({ deviceId: 'pixel-8' })
    })

    it('lets a session lapse with its idle timeout', async () => {
      const shortApp = createApp(version, { engine, idleTimeout: 500 })
      const { token } = await logIn(shortApp, user('frank'))
      expect(await store.ttlOf(token)).toBeLessThanOrEqual(500)
      await request(shortApp).get('/me').set(auth(token)).expect(200)
      // Polled in the store, not over HTTP: every use would slide the idle timeout forward.
      await eventually(async () => (await store.ttlOf(token)) === undefined)
      await request(shortApp).get('/me').set(auth(token)).expect(401)
      await store.checkLapsed(user('frank'))
    })
  })
}

/** Commands clients send on their own (connection checks, topology discovery), never about a session. */
const HOUSEKEEPING = new Set([
  'CLUSTER',
  'INFO',
  'PING',
  'COMMAND',
  'CLIENT',
  'SENTINEL',
  'ROLE',
  'HELLO',
  'SELECT',
  'READONLY'
])

/** Hostile tokens through HTTP: each is no session, and none reaches Redis but as an exact key. */
export function describeHostileTokens(setup: () => { engine: RedisEngine; ports: number[] }, label = ''): void {
  describe('with hostile tokens', () => {
    let monitors: RedisMonitor[]
    beforeAll(async () => {
      monitors = await Promise.all(setup().ports.map((port) => RedisMonitor.start(port)))
    })
    afterAll(() => monitors?.forEach((monitor) => monitor.stop()))

    const commands = async () =>
      (await Promise.all(monitors.map((monitor) => monitor.commands())))
        .flat()
        .filter(([name]) => !HOUSEKEEPING.has(name.toUpperCase()))

    it('answers 401 to each, and none reaches Redis as a pattern', async () => {
      const app = createApp(express, { engine: setup().engine })
      const { token } = await logIn(app, `victim${label}`)
      const hostile = ['*', '?', '?'.repeat(43), '[a-z]*', `${token.slice(0, 10)}*`, `${token.slice(0, 42)}?`]
      hostile.push('*'.repeat(43), '\\', '\\*', 'a\\b', '__proto__', 'constructor', 'toString', 'hasOwnProperty')
      await commands()
      for (const value of hostile) {
        await request(app).get('/me').set('Authorization', `Bearer ${value}`).expect(401)
        await request(app)
          .get('/me')
          .set('Cookie', `session=${encodeURIComponent(value)}`)
          .expect(401)
      }
      // A Sentinel topology's own housekeeping (its PING, INFO and hello PUBLISH) is not the engine's.
      const sent = (await commands()).filter((args) => !['PING', 'INFO', 'PUBLISH'].includes(String(args[0])))
      for (const args of sent) {
        // Whatever reaches Redis is one exact key: the prefix and a token hash, never the raw value.
        expect(args).toEqual(['GET', expect.stringMatching(/^universal-registry:t:[A-Za-z0-9_-]{43}$/)])
      }
      await request(app).get('/me').set(auth(token)).expect(200)
    })
  })
}
