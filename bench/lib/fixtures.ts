import { randomBytes } from 'node:crypto'

/** The user agent every client of the benchmark sends, and every preloaded session records: a real browser's. */
export const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
/** The client address every session records (the servers listen on loopback). */
export const CLIENT_IP = '127.0.0.1'
/** Idle lifetime given to every library's sessions, so none expires or renews during a run. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1_000
/** The user the load generator is logged in as. */
export const BENCH_USER = 'user-1'

let pool = Buffer.alloc(0)
let used = 0

/**
 * Random bytes for fixtures, cut from a large buffer: one `randomBytes` call per 64 KiB instead of one
 * per id keeps preloading a million sessions fast. (Fixtures only: real tokens come from the library.)
 */
export function fixtureBytes(size: number): Buffer {
  if (used + size > pool.length) {
    pool = randomBytes(64 * 1024)
    used = 0
  }
  used += size
  return pool.subarray(used - size, used)
}

/** A token hash as our core hands it to an engine: SHA-256 in base64url. */
export function randomHash(): string {
  return fixtureBytes(32).toString('base64url')
}

/** One preloaded session of ours, shaped as `Session#logIn` stores it (src/record.ts `StoredSession`). */
export function registrySubject(index: number, now: number): Record<string, unknown> {
  return {
    id: fixtureBytes(16).toString('base64url'),
    userId: `preloaded-${index}`,
    firstAccessed: now,
    lastAccessed: now,
    firstIp: CLIENT_IP,
    lastIp: CLIENT_IP,
    userAgent: USER_AGENT,
    deviceId: null,
    expiresAt: now + SESSION_LIFETIME_MS
  }
}

/** One preloaded express-session session, as its `req.session.userId = …` login saves it. */
export function expressSessionData(index: number, now: number): Record<string, unknown> {
  return {
    cookie: {
      originalMaxAge: SESSION_LIFETIME_MS,
      expires: new Date(now + SESSION_LIFETIME_MS).toISOString(),
      httpOnly: true,
      path: '/'
    },
    userId: `preloaded-${index}`
  }
}

/** A session id as express-session makes them (uid-safe, 24 bytes). */
export function expressSessionId(): string {
  return fixtureBytes(24).toString('base64url')
}

/** Prefix of the plain keys of the raw-GET baseline. */
export const RAW_PREFIX = 'raw:'

/**
 * The Redis database of each library's sessions: one keyspace each, so that the memory a layout takes is
 * measured without another layout's keys sharing (and resizing) its hash table.
 */
export const REDIS_DATABASES = { registry: 0, 'connect-redis': 1, raw: 2 } as const

/** A session layout the harness can preload into Redis. */
export type Layout = keyof typeof REDIS_DATABASES

/** Preloaded PostgreSQL session number `index`'s bearer token: 43 base64url characters, as the preload's SQL builds them. */
export function postgresToken(index: number): string {
  return String(index).padStart(43, 'A')
}

/** The secret express-session signs its cookies with in every express-session app. */
export const COOKIE_SECRET = 'benchmark secret'
/** connect-pg-simple's default table. */
export const CONNECT_PG_TABLE = 'session'
