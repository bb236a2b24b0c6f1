// What each step trimmed from the request path saved, one function at a time: the way the step used to
// be done (the baseline, written here with the public calls it made) against the library's code for it
// now (the candidate), on the inputs a request brings. Paired like every other ratio, with the
// baseline's A/A beside it; the whole path before and after is the build pairs' (scenarios/build.ts).
import { createHmac } from 'node:crypto'
import { parse } from 'cookie'
import { cookieValue } from '../../src/cookie'
import { DeadlineClock } from '../../src/deadlines'
import { decodeHash, encodeHash } from '../../src/engines/redis/codec'
import { hashToken } from '../../src/keys'
import { registrySubject } from '../lib/fixtures'
import type { CallDefinition, PairSpec, ScenarioGroup } from '../lib/scenario'

const TOKEN = 'q3Yl0bV3n1o5rJ7u1C2e9HkLw8mXo4sTt6aZpQ0dGfE'
/** A registry id, the HMAC key of every token hash under it. */
const REGISTRY_ID = 'billing-api'
/** A browser's Cookie header with five cookies, the session's fourth. */
const COOKIE_HEADER = `_ga=GA1.1.123456789.1700000000; theme=dark; lang=en-GB; session=${TOKEN}; _gid=GA1.1.987654321.1700000000`
const NOW = Date.now()
/** The default engine timeout. */
const ENGINE_TIMEOUT_MS = 5_000
const onTimeout = (): void => undefined

const STORED = registrySubject(0, NOW)
/** A stored session as the memory engine keeps it, flat: the same one on each side. */
const subject = (): Record<string, unknown> => ({ ...STORED })

/** A HGETALL reply of one of our entries, as node-redis gives it (an object of strings). */
function hashReply(): Record<string, string> {
  const pairs = encodeHash('auth-user-1', subject())
  const reply: Record<string, string> = {}
  for (let position = 0; position < pairs.length; position += 2) reply[pairs[position]] = pairs[position + 1]
  return reply
}

const LONG_NAMES: Record<string, string> = {
  i: 'id',
  u: 'userId',
  f: 'firstAccessed',
  l: 'lastAccessed',
  F: 'firstIp',
  L: 'lastIp',
  a: 'userAgent',
  d: 'deviceId',
  e: 'expiresAt',
  D: 'data',
  v: 'version'
}

/** The calls, by id: `<step>-before` and `<step>-now`. */
const CALLS: Record<string, CallDefinition> = {
  'dates-before': {
    label: 'four Dates built per loaded session',
    create: () => {
      const state: Record<string, unknown> = {}
      const stored = subject() as { firstAccessed: number; lastAccessed: number; expiresAt: number }
      return () => {
        state.firstAccessed = new Date(stored.firstAccessed)
        state.lastAccessed = new Date(stored.lastAccessed)
        state.expiresAt = new Date(stored.expiresAt)
        state.lastAccessed = new Date(NOW)
        return state
      }
    }
  },
  'dates-now': {
    label: 'the times kept as numbers, a Date built only when read',
    create: () => {
      const state: Record<string, unknown> = {}
      const stored = subject() as { firstAccessed: number; lastAccessed: number; expiresAt: number }
      return () => {
        state.firstAccessed = stored.firstAccessed
        state.lastAccessed = stored.lastAccessed
        state.expiresAt = stored.expiresAt
        state.lastAccessed = NOW
        return state
      }
    }
  },
  'snapshot-before': {
    label: 'a copy of a frozen snapshot (spread)',
    create: () => {
      const kept = Object.freeze(subject())
      return () => ({ ...kept })
    }
  },
  'snapshot-now': {
    label: 'a copy of the unfrozen snapshot (spread)',
    create: () => {
      const kept = subject()
      return () => ({ ...kept })
    }
  },
  'hmac-before': {
    label: "createHmac('sha256', registryId) per token",
    create: () => () => createHmac('sha256', REGISTRY_ID).update(TOKEN).digest('base64url')
  },
  'hmac-now': {
    label: 'hashToken(): two one-shot hashes over cached pads',
    create: () => () => hashToken(TOKEN, REGISTRY_ID)
  },
  'cookie-before': {
    label: "cookie.parse(header)['session'], five cookies",
    create: () => () => parse(COOKIE_HEADER).session
  },
  'cookie-now': {
    label: 'cookieValue(header, "session"): a scan for the one cookie',
    create: () => () => cookieValue(COOKIE_HEADER, 'session')
  },
  'deadline-before': {
    label: 'a setTimeout armed and cleared per engine call',
    create: () => () => clearTimeout(setTimeout(onTimeout, ENGINE_TIMEOUT_MS))
  },
  'deadline-now': {
    label: 'a deadline entered in and left from the shared DeadlineClock',
    create: () => {
      const clock = new DeadlineClock(ENGINE_TIMEOUT_MS)
      return () => clock.leave(clock.enter(onTimeout))
    }
  },
  'redis-decode-before': {
    label: 'a HGETALL reply as field pairs, each parsed, then Object.fromEntries',
    create: () => {
      const reply = hashReply()
      return () => {
        let category: unknown
        const fields: [string, unknown][] = []
        for (const [name, raw] of Object.entries(reply)) {
          const value: unknown = JSON.parse(raw)
          if (name === 'c') category = value
          else fields.push([name.startsWith('_') ? name.slice(1) : (LONG_NAMES[name] ?? name), value])
        }
        return { category, subject: Object.fromEntries(fields) }
      }
    }
  },
  'redis-decode-now': {
    label: 'decodeHash(): each field decoded into the subject',
    create: () => {
      const reply = hashReply()
      return () => decodeHash(reply)
    }
  }
}

/** Calls per unit of a batch: a unit takes tens of microseconds. */
const STEPS: { step: string; what: string; repeat: number }[] = [
  { step: 'dates', what: 'lazy Dates', repeat: 200 },
  { step: 'snapshot', what: 'snapshot copy', repeat: 200 },
  { step: 'hmac', what: 'HMAC with a cached key (registryId set)', repeat: 20 },
  { step: 'cookie', what: 'direct cookie scan', repeat: 50 },
  { step: 'redis-decode', what: 'Redis entry decoded field by field', repeat: 20 },
  { step: 'deadline', what: 'engine-call deadline on one shared timer', repeat: 100 }
]

/** The per-change group. */
export const changesGroup: ScenarioGroup = {
  id: 'changes',
  needs: [],
  apps: {},
  calls: CALLS,
  pairs: STEPS.map(({ step, what, repeat }): PairSpec => ({
    id: `change-${step}`,
    kind: 'call',
    label: `change: ${what}`,
    baseline: `${step}-before`,
    candidate: `${step}-now`,
    repeat
  }))
}
