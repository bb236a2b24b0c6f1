import { notAnOption } from '../../engine'

/**
 * connect-redis's option names, each with what to use here: the other options go to createClient, which
 * ignores what it does not know, so these would vanish silently.
 */
export const CONNECT_REDIS_HINTS: Readonly<Record<string, string>> = {
  prefix: 'use "identifier"',
  ttl: 'use "expireAfter" (seconds) for entries without an expiry; sessions expire by session()\'s "idleTimeout"',
  serializer: 'not supported: entries are stored as compact JSON',
  scanCount: 'not needed: the engine keeps a per-user index and never scans on a request',
  disableTouch: 'not needed: renewal writes at most once per half of session()\'s "idleTimeout"',
  disableTTL: 'not supported: every entry expires with its session'
}

/** Throws a `TypeError` for the first connect-redis option in `options`, saying what to use instead. */
export function rejectConnectRedisOptions(options: object): void {
  const name = Object.keys(options).find((key) => Object.prototype.hasOwnProperty.call(CONNECT_REDIS_HINTS, key))
  if (name !== undefined) throw notAnOption('RedisEngine', name, CONNECT_REDIS_HINTS[name])
}
