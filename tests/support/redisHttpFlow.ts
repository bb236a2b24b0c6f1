import { createHash } from 'node:crypto'
import type { Express } from 'express'
import express from 'express'
import request from 'supertest'
import type { createClient } from 'redis'
import { Session } from 'express-session-registry'
import type { RedisEngine } from 'express-session-registry/redis'
import { bearer, createApp, expressVersions, sessionCookie } from './app'
import { eventually, RedisMonitor } from './redisServer'

// The HTTP flow and the hostile-token check, run over every client and topology the Redis engine supports.

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

/** The whole HTTP flow over one engine, on Express 4 and 5. */
export function describeHttpFlow(setup: () => { engine: RedisEngine; raw: Raw }, label = ''): void {
  describe.each(expressVersions)('the HTTP flow on %s', (versionName, version) => {
    const idleTimeout = 60_000
    const user = (name: string) => `${name}${label}-${versionName.replace(' ', '')}`
    let app: Express
    let engine: RedisEngine
    let raw: Raw

    beforeAll(() => {
      ;({ engine, raw } = setup())
      app = createApp(version, { engine, idleTimeout })
    })

    it('logs in, and recognises the session by bearer token and by cookie', async () => {
      const { token, id, cookie } = await logIn(app, user('alice'))
      const byBearer = await request(app).get('/me').set(auth(token)).expect(200)
      expect(byBearer.body).toMatchObject({ userId: user('alice'), id })
      await request(app).get('/me').set('Cookie', cookie).expect(200)
      await request(app).get('/me').expect(401)
    })

    it('stores the session under its token hash with the idle timeout as TTL, and its index with it', async () => {
      const { token } = await logIn(app, user('ttl'))
      const key = `universal-registry:t:${tokenHash(token)}`
      const index = `universal-registry:i:auth-${user('ttl')}`
      expect(await raw.exists(key)).toBe(1)
      expect(await raw.pTTL(key)).toBeGreaterThan(idleTimeout - 5_000)
      expect(await raw.pTTL(key)).toBeLessThanOrEqual(idleTimeout)
      expect(await raw.zRange(index, 0, -1)).toEqual([tokenHash(token)])
      expect(await raw.pTTL(index)).toBeGreaterThan(idleTimeout - 5_000)
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
      expect(await raw.exists(`universal-registry:t:${tokenHash(token)}`)).toBe(0)
      expect(await raw.zRange(`universal-registry:i:auth-${user('carol')}`, 0, -1)).toEqual([])
    })

    it('logs the other sessions out and keeps the current one', async () => {
      const [a, b, c] = [await logIn(app, user('dave')), await logIn(app, user('dave')), await logIn(app, user('dave'))]
      await request(app).post('/logout-others').set(auth(b.token)).expect(204)
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(c.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(200)
      expect(await raw.zRange(`universal-registry:i:auth-${user('dave')}`, 0, -1)).toEqual([tokenHash(b.token)])
    })

    it('logs every session out with Session.logOutAll', async () => {
      const [a, b] = [await logIn(app, user('erin')), await logIn(app, user('erin'))]
      await Session.logOutAll(user('erin'), { engine })
      await request(app).get('/me').set(auth(a.token)).expect(401)
      await request(app).get('/me').set(auth(b.token)).expect(401)
      expect(await raw.zRange(`universal-registry:i:auth-${user('erin')}`, 0, -1)).toEqual([])
    })

    it('lets a session expire with its TTL', async () => {
      const shortApp = createApp(version, { engine, idleTimeout: 500 })
      const { token } = await logIn(shortApp, user('frank'))
      const key = `universal-registry:t:${tokenHash(token)}`
      expect(await raw.pTTL(key)).toBeLessThanOrEqual(500)
      await eventually(async () => (await raw.exists(key)) === 0)
      await request(shortApp).get('/me').set(auth(token)).expect(401)
      expect(await raw.exists(`universal-registry:i:auth-${user('frank')}`)).toBe(0)
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
      for (const args of await commands()) {
        // Whatever reaches Redis is one exact key: the prefix and a token hash, never the raw value.
        expect(args).toEqual(['GET', expect.stringMatching(/^universal-registry:t:[A-Za-z0-9_-]{43}$/)])
      }
      await request(app).get('/me').set(auth(token)).expect(200)
    })
  })
}
