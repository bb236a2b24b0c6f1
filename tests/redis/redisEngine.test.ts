import { createClient, RESP_TYPES } from 'redis'
import { createClient as createClientV4 } from 'redis4'
import { type RedisClientLike, RedisEngine, type RedisEngineOptions } from 'express-session-registry/redis'
import { engineConformance, sessionSubject, tokenHash } from 'express-session-registry/testing'
import { describeWithRedis, eventually, RedisMonitor, RedisServer } from '../support/redisServer'
import { twoInTurn } from '../support/engines'
import { describeRedisWrites } from '../support/redisWrites'

type RawClient = ReturnType<typeof createClient>

const hostileTokens = ['*', '?', '?'.repeat(43), '[a-z]*', '\\*', '\\', 'a\\b*', '__proto__', 'constructor', 'toString']

const subject = sessionSubject

describeWithRedis('RedisEngine on standalone Redis', () => {
  let server: RedisServer
  let raw: RawClient
  const engines: RedisEngine[] = []

  function newEngine(options: RedisEngineOptions = {}): RedisEngine {
    const engine = new RedisEngine({ port: server.port, ...options })
    engines.push(engine)
    return engine
  }

  async function freshEngine(options: RedisEngineOptions = {}): Promise<RedisEngine> {
    const engine = newEngine({ identifier: `test-${engines.length}`, ...options })
    await engine.prepare()
    return engine
  }

  beforeAll(async () => {
    server = await RedisServer.start()
    raw = createClient({ url: server.url })
    await raw.connect()
  })

  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.release()))
    await raw?.close()
    await server?.stop()
  })

  const conformanceEngine = twoInTurn(() => newEngine({ identifier: 'conformance' }))
  engineConformance({
    name: 'RedisEngine (standalone)',
    describe,
    it,
    beforeEach,
    createEngine: async () => {
      const engine = conformanceEngine()
      await engine.prepare()
      await engine.clear()
      return engine
    }
  })

  describe('with an app’s node-redis v4 client', () => {
    let client: ReturnType<typeof createClientV4>
    beforeAll(async () => {
      client = createClientV4({ url: server.url })
      await client.connect()
    })
    afterAll(() => client.quit())

    engineConformance({
      name: 'RedisEngine (node-redis v4 client)',
      describe,
      it,
      beforeEach,
      createEngine: async () => {
        const engine = new RedisEngine({ client, identifier: 'v4-conformance' })
        await engine.clear()
        return engine
      }
    })

    let writes: RedisEngine
    beforeAll(() => {
      writes = new RedisEngine({ client, identifier: 'v4-writes' })
    })
    describeRedisWrites('node-redis v4', () => ({ engine: writes, send: (_key, args) => raw.sendCommand(args) }))

    it('leaves the client open on release()', async () => {
      const engine = new RedisEngine({ client, identifier: 'v4-release' })
      await engine.prepare()
      await engine.release()
      expect(client.isOpen).toBe(true)
    })
  })

  describe('with an app’s node-redis client', () => {
    it('connects a client that is not open yet, and leaves it open on release()', async () => {
      const client = createClient({ url: server.url })
      const engine = new RedisEngine({ client })
      await engine.connect()
      await engine.set(tokenHash(), 'auth-app', subject())
      await engine.release()
      expect(client.isOpen).toBe(true)
      await client.close()
    })

    it('finds it by global name with globalClient', async () => {
      const holder = globalThis as Record<string, unknown>
      holder.sessionRedis = raw
      try {
        const engine = new RedisEngine({ globalClient: 'sessionRedis', identifier: 'global' })
        const token = tokenHash()
        await engine.set(token, 'auth-global', subject())
        expect(await raw.exists(`global:t:${token}`)).toBe(1)
        expect(engine.client).toBe(raw)
      } finally {
        delete holder.sessionRedis
      }
    })
  })

  describe('options', () => {
    it('connects to the port given with the host/port shorthand', async () => {
      const engine = await freshEngine({ host: '127.0.0.1' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      expect(await raw.exists(`${engine.identifier}:t:${token}`)).toBe(1)
    })

    it('passes createClient options through (url)', async () => {
      const engine = new RedisEngine({ url: server.url, identifier: 'by-url' })
      engines.push(engine)
      await engine.prepare()
      await engine.set(tokenHash(), 'auth-u', subject())
      expect(await raw.exists('by-url:i:auth-u')).toBe(1)
    })

    it('keeps an empty identifier', async () => {
      const engine = await freshEngine({ identifier: '' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      expect(await raw.exists(`:t:${token}`)).toBe(1)
      await raw.del([`:t:${token}`, ':i:auth-u'])
    })

    it.each([
      ['identifier', 42],
      ['expireAfter', 0],
      ['expireAfter', -1],
      ['expireAfter', '30d'],
      ['expireAfter', Infinity],
      ['commandTimeout', 0],
      ['commandTimeout', '1s'],
      ['host', 6379],
      ['port', 'redis'],
      ['port', 70_000],
      ['client', { get: () => null }],
      ['globalClient', 'noSuchGlobalClient'],
      ['globalClient', 42]
    ])('rejects %s = %p with a TypeError naming it', (name, value) => {
      expect(() => new RedisEngine({ [name]: value })).toThrow(TypeError)
      expect(() => new RedisEngine({ [name]: value })).toThrow(`"${name}"`)
    })

    it('defaults to a client of its own and the original identifier', async () => {
      const engine = new RedisEngine()
      expect(engine.identifier).toBe('universal-registry')
      expect(engine.expireAfter).toBe(30 * 24 * 60 * 60)
      expect((engine.client as RedisClientLike).isOpen).toBe(false)
      await engine.release()
    })

    it('waits for Redis forever with commandTimeout: Infinity', async () => {
      const engine = await freshEngine({ commandTimeout: Infinity })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      expect(await engine.get(token)).toBeTruthy()
    })

    it('rejects client and globalClient together', () => {
      expect(() => new RedisEngine({ client: raw, globalClient: 'redis' })).toThrow(TypeError)
    })
  })

  describe('data layout', () => {
    it('stores an entry as a hash under <identifier>:t:<token> and lists it in <identifier>:i:<category>, both with TTLs', async () => {
      const engine = await freshEngine({ identifier: 'layout' })
      const [early, late] = [tokenHash(), tokenHash()]
      const now = Date.now()
      await engine.set(early, 'auth-u', subject({ lastAccessed: now - 5_000, expiresAt: now + 60_000 }))
      await engine.set(late, 'auth-u', subject({ lastAccessed: now, expiresAt: now + 120_000 }))
      expect((await raw.keys('layout:*')).sort()).toEqual(['layout:i:auth-u', `layout:t:${early}`, `layout:t:${late}`])
      // The category, then the session fields under one-letter names, each value its own JSON.
      expect(await raw.hGetAll(`layout:t:${early}`)).toEqual(
        expect.objectContaining({
          c: '"auth-u"',
          i: '"hSd9w1X0bq2kQW7lWf3c1A"',
          u: '"user-1"',
          l: String(now - 5_000),
          d: 'null',
          e: String(now + 60_000)
        })
      )
      expect(await raw.pExpireTime(`layout:t:${early}`)).toBe(now + 60_000)
      expect(await raw.pExpireTime(`layout:t:${late}`)).toBe(now + 120_000)
      // The index lives as long as its longest member, and orders the members by last use.
      expect(await raw.pExpireTime('layout:i:auth-u')).toBe(now + 120_000)
      expect(await raw.zScore('layout:i:auth-u', early)).toBe(now - 5_000)
      expect(await raw.zRange('layout:i:auth-u', 0, -1)).toEqual([early, late])
    })

    it('gives an entry without expiresAt the expireAfter TTL', async () => {
      const engine = await freshEngine({ identifier: 'expire-after', expireAfter: 3_600 })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject({ expiresAt: null }))
      const ttl = await raw.pTTL(`expire-after:t:${token}`)
      expect(ttl).toBeGreaterThan(3_590_000)
      expect(ttl).toBeLessThanOrEqual(3_600_000)
    })

    it('defaults expireAfter to 30 days', async () => {
      const engine = await freshEngine({ identifier: 'expire-default' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject({ expiresAt: null }))
      expect(await raw.ttl(`expire-default:t:${token}`)).toBeGreaterThan(30 * 86_400 - 10)
      expect(await raw.ttl('expire-default:i:auth-u')).toBeGreaterThan(30 * 86_400 - 10)
    })

    it('prunes expired members from the index on writes', async () => {
      const engine = await freshEngine({ identifier: 'prune' })
      const [short, long] = [tokenHash(), tokenHash()]
      await engine.set(short, 'auth-u', subject({ expiresAt: Date.now() + 100 }))
      await eventually(async () => (await raw.exists(`prune:t:${short}`)) === 0)
      await engine.set(long, 'auth-u', subject())
      expect(await raw.zRange('prune:i:auth-u', 0, -1)).toEqual([long])
    })

    it('prunes members whose entry is gone when the index is read', async () => {
      const engine = await freshEngine({ identifier: 'dead' })
      const [alive, dead] = [tokenHash(), tokenHash()]
      await engine.set(alive, 'auth-u', subject())
      await engine.set(dead, 'auth-u', subject())
      await raw.del(`dead:t:${dead}`)
      expect(Object.keys(await engine.getAll('auth-u'))).toEqual([alive])
      expect(await raw.zRange('dead:i:auth-u', 0, -1)).toEqual([alive])
    })

    it('removes the index member on delete() without a category too', async () => {
      const engine = await freshEngine({ identifier: 'no-category' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      await engine.delete(token)
      expect(await raw.keys('no-category:*')).toEqual([])
    })

    it('moves an entry set again under another category', async () => {
      const engine = await freshEngine({ identifier: 'move' })
      const token = tokenHash()
      await engine.set(token, 'auth-a', subject())
      await engine.set(token, 'auth-b', subject())
      expect(await engine.getAll('auth-a')).toEqual({})
      expect(Object.keys(await engine.getAll('auth-b'))).toEqual([token])
      expect(await raw.exists('move:i:auth-a')).toBe(0)
    })

    it('keeps a desktop browser session, index included, within 600 bytes with hash-max-listpack-value 256', async () => {
      const engine = await freshEngine({ identifier: 'universal-registry' })
      const userAgent =
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
      const usage = async (token: string, category: string) => {
        await engine.set(token, category, subject({ userId: '18427', userAgent }))
        const entry = await raw.memoryUsage(`universal-registry:t:${token}`)
        const index = await raw.memoryUsage(`universal-registry:i:${category}`)
        return entry! + index!
      }
      // Redis's default keeps a hash compact only while every value is at most 64 bytes.
      expect(await usage(tokenHash('memory'), 'auth-18427')).toBeLessThanOrEqual(1_300)
      await raw.configSet('hash-max-listpack-value', '256')
      try {
        expect(await usage(tokenHash('memory'), 'auth-18428')).toBeLessThanOrEqual(600)
      } finally {
        await raw.configSet('hash-max-listpack-value', '64')
      }
    })
  })

  describe('reading', () => {
    it('reads replies that the app’s client maps to Buffers', async () => {
      const buffers = raw.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
      const engine = new RedisEngine({ client: buffers, identifier: 'buffers' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject({ userAgent: 'ünïcödé' }))
      expect(await engine.get(token)).toMatchObject({ userAgent: 'ünïcödé' })
      expect(Object.keys(await engine.getAll('auth-u'))).toEqual([token])
    })

    it('does not return an entry past its expiresAt that Redis still holds (clock skew)', async () => {
      const engine = await freshEngine({ identifier: 'skew' })
      const token = tokenHash()
      const stale = { i: 'x', u: 'u', e: Date.now() - 1_000 }
      await raw.set(`skew:t:${token}`, JSON.stringify(['auth-u', stale]), { PX: 60_000 })
      await raw.zAdd('skew:i:auth-u', { score: Date.now() + 60_000, value: token })
      expect(await engine.get(token)).toBeUndefined()
      expect(await engine.getAll('auth-u')).toEqual({})
    })

    it('round-trips fields of any name', async () => {
      const engine = await freshEngine({ identifier: 'fields' })
      const token = tokenHash()
      const odd = JSON.parse('{"__proto__":{"x":1},"i":"not the id","_u":2,"":3,"nested":{"id":4}}')
      await engine.set(token, 'auth-u', { ...subject(), ...odd })
      const read = await engine.get(token)
      expect(read).toEqual({
        ...subject({
          firstAccessed: expect.any(Number),
          lastAccessed: expect.any(Number),
          expiresAt: expect.any(Number)
        }),
        ...odd
      })
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
      expect(Object.keys(read!)).toContain('__proto__')
    })

    it('takes a value it did not write for no entry', async () => {
      const engine = await freshEngine({ identifier: 'foreign' })
      const [notJson, notEntry] = [tokenHash(), tokenHash()]
      await raw.set(`foreign:t:${notJson}`, 'not json')
      const notSubject = tokenHash()
      await raw.set(`foreign:t:${notEntry}`, '{"userId":"u"}')
      await raw.set(`foreign:t:${notSubject}`, '["auth-u",["u"]]')
      expect(await engine.get(notJson)).toBeUndefined()
      expect(await engine.get(notEntry)).toBeUndefined()
      expect(await engine.get(notSubject)).toBeUndefined()
    })

    it('keeps a field name it has no short form for, as it reads it', async () => {
      const engine = await freshEngine({ identifier: 'long-names' })
      const token = tokenHash()
      await raw.set(`long-names:t:${token}`, JSON.stringify(['auth-u', { i: 'x', userId: 'u' }]))
      expect(await engine.get(token)).toEqual({ id: 'x', userId: 'u' })
    })
  })

  describe('update()', () => {
    it('moves the entry’s TTL with the new expiresAt, and its index score with the new lastAccessed', async () => {
      const engine = await freshEngine({ identifier: 'renew' })
      const token = tokenHash()
      const now = Date.now()
      await engine.set(token, 'auth-u', subject({ lastAccessed: now, expiresAt: now + 60_000 }))
      const renewed = subject({ lastAccessed: now + 1_000, expiresAt: now + 90_000 })
      expect(await engine.update(token, 'auth-u', renewed)).toBe(true)
      expect(await raw.pExpireTime(`renew:t:${token}`)).toBe(now + 90_000)
      expect(await raw.pExpireTime('renew:i:auth-u')).toBe(now + 90_000)
      expect(await raw.zScore('renew:i:auth-u', token)).toBe(now + 1_000)
    })

    it('removes an entry whose new expiresAt has passed', async () => {
      const engine = await freshEngine({ identifier: 'update-expired' })
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      expect(await engine.update(token, 'auth-u', subject({ expiresAt: Date.now() - 1 }))).toBe(true)
      expect(await raw.keys('update-expired:*')).toEqual([])
    })

    it('never leaves an entry or a member behind when it races a delete', async () => {
      const engine = await freshEngine({ identifier: 'race' })
      const tokens = Array.from({ length: 40 }, () => tokenHash())
      await Promise.all(tokens.map((token) => engine.set(token, 'auth-u', subject())))
      await Promise.all(
        tokens.map((token, position) => {
          const update = () => engine.update(token, 'auth-u', subject({ expiresAt: Date.now() + 120_000 }))
          const remove = () => engine.delete(token, 'auth-u')
          return Promise.all(position % 2 ? [update(), remove()] : [remove(), update()])
        })
      )
      expect(await raw.keys('race:*')).toEqual([])
    })
  })

  describe('setCapped() with a large cap', () => {
    it('counts thousands of sessions of one user and removes the least recently used', async () => {
      const engine = await freshEngine({ identifier: 'large-cap' })
      const now = Date.now()
      const tokens = Array.from({ length: 2_500 }, () => tokenHash('large'))
      for (let from = 0; from < tokens.length; from += 500) {
        await Promise.all(
          tokens
            .slice(from, from + 500)
            .map((token, offset) =>
              engine.set(token, 'auth-many', subject({ id: `s${from + offset}`, lastAccessed: now + from + offset }))
            )
        )
      }
      const removed = await engine.setCapped(
        tokenHash('large'),
        'auth-many',
        subject({ lastAccessed: now + 10_000 }),
        2_500
      )
      expect(removed.map((entry) => entry.id)).toEqual(['s0'])
      expect(await raw.zCard('large-cap:i:auth-many')).toBe(2_500)
    })
  })

  describe('commands sent', () => {
    let monitor: RedisMonitor
    let engine: RedisEngine
    beforeAll(async () => {
      engine = await freshEngine({ identifier: 'costs' })
      monitor = await RedisMonitor.start(server.port)
    })
    afterAll(() => monitor?.stop())

    const names = (commands: string[][]) => commands.map(([name]) => name.toUpperCase())

    it('reads a session with one HGETALL of its exact key', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      await monitor.commands()
      await engine.get(token)
      expect(await monitor.commands()).toEqual([['HGETALL', `costs:t:${token}`]])
    })

    it('looks hostile tokens up as exact keys: no pattern command ever runs', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      await monitor.commands()
      for (const hostile of [...hostileTokens, `${token.slice(0, 10)}*`]) {
        expect(await engine.get(hostile)).toBeUndefined()
      }
      expect(await engine.getAll('*')).toEqual({})
      const commands = await monitor.commands()
      expect(commands).toEqual([
        ...[...hostileTokens, `${token.slice(0, 10)}*`].map((hostile) => ['HGETALL', `costs:t:${hostile}`]),
        ['ZRANGE', 'costs:i:*', '0', '-1']
      ])
    })

    it('updates with one script, in one round trip', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      await monitor.commands()
      await engine.update(token, 'auth-u', subject())
      expect(names(await monitor.commands())).toEqual(['EVALSHA'])
    })

    it('patches with one script, in one round trip', async () => {
      const token = tokenHash()
      await engine.set(token, 'auth-u', subject())
      await engine.patch(token, 'auth-u', { lastAccessed: Date.now() })
      await monitor.commands()
      await engine.patch(token, 'auth-u', { lastAccessed: Date.now(), lastIp: '198.51.100.1' })
      expect(names(await monitor.commands())).toEqual(['EVALSHA'])
    })

    it('signs every other session out with one script', async () => {
      const [keep, other] = [tokenHash(), tokenHash()]
      await engine.set(keep, 'auth-many', subject())
      await engine.set(other, 'auth-many', subject())
      await monitor.commands()
      await engine.deleteAll('auth-many', keep)
      expect(names(await monitor.commands())).toEqual(['EVALSHA'])
      expect(Object.keys(await engine.getAll('auth-many'))).toEqual([keep])
    })

    it('never scans on a request path', async () => {
      const token = tokenHash()
      await monitor.commands()
      await engine.set(token, 'auth-scan', subject())
      await engine.get(token)
      await engine.update(token, 'auth-scan', subject())
      await engine.getAll('auth-scan')
      await engine.deleteAll('auth-scan', token)
      await engine.delete(token, 'auth-scan')
      await engine.delete(token)
      const sent = names(await monitor.commands())
      expect(sent).not.toContain('KEYS')
      expect(sent).not.toContain('SCAN')
    })
  })

  describe('clear()', () => {
    it('removes only its own keys, with the identifier’s glob characters escaped', async () => {
      const globby = await freshEngine({ identifier: 'a*[b]?\\' })
      const neighbour = await freshEngine({ identifier: 'aXbY' })
      const [mine, theirs] = [tokenHash(), tokenHash()]
      await globby.set(mine, 'auth-u', subject())
      await neighbour.set(theirs, 'auth-u', subject())
      await raw.set('a*[b]?\\:unrelated', 'x')
      await globby.clear()
      expect(await globby.get(mine)).toBeUndefined()
      expect(await neighbour.get(theirs)).toBeTruthy()
      expect(await raw.exists('a*[b]?\\:unrelated')).toBe(1)
    })
  })
})
