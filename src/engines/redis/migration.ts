import type { MigrationHints } from '../../engine'

/**
 * connect-redis's option names, each with what to use here: the other options go to createClient, which
 * ignores what it does not know, so these would vanish silently.
 */
export const CONNECT_REDIS_HINTS: MigrationHints = {
  prefix: 'use "identifier"',
  ttl: 'use "expireAfter" (seconds) for entries without an expiry; sessions expire by session()\'s "idleTimeout"',
  serializer: 'not supported: entries are stored as compact JSON',
  scanCount: 'not needed: the engine keeps a per-user index and never scans on a request',
  disableTouch: 'not needed: renewal writes at most once per half of session()\'s "idleTimeout"',
  disableTTL: 'not supported: every entry expires with its session'
}
