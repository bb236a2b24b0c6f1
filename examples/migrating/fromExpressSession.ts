// Moving from express-session without signing anyone out: mounted after session(), this middleware takes
// a request that still carries an express-session cookie and no session of ours, reads the old store,
// logs the user into a new session with the old data, destroys the old entry and clears the old cookie.
// Remove it (and express-session) once the old sessions' lifetime has passed.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { parse } from 'cookie'
import type { RequestHandler } from 'express'
import type { SessionData as LegacySessionData, Store } from 'express-session'
import type { SessionDataPatch } from 'express-session-registry'

/** What the old sessions were, and how to read one as a log in. */
export interface FromExpressSessionOptions {
  /** The store express-session used (a connect-redis `RedisStore`, ...). */
  store: Store
  /** express-session's `secret` (an array when it was rotated: every one is tried). */
  secret: string | string[]
  /** express-session's cookie `name`. @default 'connect.sid' */
  cookieName?: string
  /** express-session's cookie `path` and `domain`, so that clearing reaches the old cookie. */
  cookie?: { path?: string; domain?: string }
  /** Who the old session belongs to, or `undefined` when it was anonymous (it is then only dropped). */
  userIdOf(data: LegacySessionData): string | undefined
  /** The data the new session starts with. @default none */
  dataOf?(data: LegacySessionData): SessionDataPatch
}

/** The session id of a signed express-session cookie (`s:<id>.<signature>`), or `undefined` if forged. */
export function unsignedSessionId(value: string, secrets: readonly string[]): string | undefined {
  if (!value.startsWith('s:')) return undefined
  const signed = value.slice(2)
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return undefined
  const id = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1))
  for (const secret of secrets) {
    // express-session's signature (cookie-signature): HMAC-SHA-256, base64 without padding.
    const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''))
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id
  }
  return undefined
}

/** The middleware described at the top of this file; mount it right after `session()`. */
export function fromExpressSession(options: FromExpressSessionOptions): RequestHandler {
  const { store, cookieName = 'connect.sid', cookie = { path: '/' }, userIdOf, dataOf } = options
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret]
  const get = promisify(store.get.bind(store))
  const destroy = promisify(store.destroy.bind(store))
  return async function acceptExpressSession(request, response, next) {
    try {
      const legacy = parse(request.headers.cookie ?? '')[cookieName]
      if (legacy === undefined) return next()
      response.clearCookie(cookieName, { path: cookie.path ?? '/', domain: cookie.domain })
      const id = unsignedSessionId(legacy, secrets)
      if (id === undefined) return next()
      const data = await get(id)
      if (data && !request.session.authenticated) {
        const userId = userIdOf(data)
        if (userId !== undefined) await request.session.logIn(userId, { data: dataOf?.(data) })
      }
      // Destroyed either way: the old cookie is never honoured twice.
      if (data) await destroy(id)
      next()
    } catch (error) {
      next(error)
    }
  }
}
