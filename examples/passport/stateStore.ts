import { randomBytes, timingSafeEqual } from 'node:crypto'
import { parse, serialize } from 'cookie'
import type { Request } from 'express'
import type { StateStore } from 'passport-oauth2'

/** Options of {@link cookieStateStore}. */
export interface CookieStateStoreOptions {
  /** Name of the cookie that holds the state between the redirect and the callback. @default 'oauth_state' */
  cookieName?: string
  /** Path of the callback, to which the cookie is limited. @default '/' */
  path?: string
  /** How long a sign-in may take at the provider, in seconds. @default 600 */
  maxAgeSeconds?: number
}

type StoreCallback = (error: Error | null, state?: string) => void
type VerifyCallback = (error: Error | null, ok: boolean, info?: { message: string }) => void

/**
 * passport-oauth2's `state` kept in a short-lived HttpOnly cookie instead of express-session: the
 * redirect to the provider sets a random state, the callback must bring the same one back (so no other
 * site can complete a sign-in in the user's browser: login CSRF), and the cookie is cleared either way.
 */
export function cookieStateStore(options: CookieStateStoreOptions = {}): StateStore {
  const name = options.cookieName ?? 'oauth_state'
  const path = options.path ?? '/'
  const maxAge = options.maxAgeSeconds ?? 600
  const setCookie = (request: Request, value: string, age: number): void => {
    request.res!.append(
      'Set-Cookie',
      serialize(name, value, { httpOnly: true, sameSite: 'lax', secure: request.secure, path, maxAge: age })
    )
  }
  return {
    store(request: Request, _meta: unknown, callback: StoreCallback): void {
      const state = randomBytes(32).toString('base64url')
      setCookie(request, state, maxAge)
      callback(null, state)
    },
    verify(request: Request, provided: string, callback: VerifyCallback): void {
      const expected = parse(request.headers.cookie ?? '')[name]
      setCookie(request, '', 0)
      const matches =
        typeof expected === 'string' &&
        typeof provided === 'string' &&
        expected.length === provided.length &&
        timingSafeEqual(Buffer.from(expected), Buffer.from(provided))
      if (matches) callback(null, true)
      else callback(null, false, { message: 'Unable to verify authorization request state.' })
    }
  } as StateStore
}
