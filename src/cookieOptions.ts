import { invalidOption } from './errors'
import { aliased, isBoolean, pick } from './optionPick'
import type { SameSite, SessionOptions } from './optionTypes'

export type { SameSite }

/** Cookie attributes after validation. */
export interface CookieConfig {
  readonly name: string
  readonly httpOnly: boolean
  readonly secure: boolean | 'auto'
  readonly sameSite: SameSite
  readonly domain: string | undefined
  readonly path: string
  readonly partitioned: boolean
  readonly priority: 'low' | 'medium' | 'high' | undefined
}

/** The cookie options of `session()`, as given (documented on {@link SessionOptions}). */
export type CookieOptions = Pick<
  SessionOptions,
  | 'cookieName'
  | 'httpOnly'
  | 'secure'
  | 'sameSite'
  | 'domain'
  | 'path'
  | 'partitioned'
  | 'priority'
  | 'httpOnlyCookie'
  | 'secureCookie'
  | 'sameSiteCookie'
>

// RFC 6265 cookie-name token characters.
const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const SAME_SITE_VALUES: readonly string[] = ['lax', 'strict', 'none']
const PRIORITY_VALUES: readonly string[] = ['low', 'medium', 'high']

/** What a cookie-name prefix obliges the cookie to carry (RFC 6265bis, the `__Http-` prefixes included). */
interface PrefixRule {
  readonly prefix: string
  readonly httpOnly: boolean
  readonly hostOnly: boolean
}

// Longest first: `__Host-Http-` is a `__Host-` name too, with HttpOnly on top.
const PREFIX_RULES: readonly PrefixRule[] = [
  { prefix: '__Host-Http-', httpOnly: true, hostOnly: true },
  { prefix: '__Http-', httpOnly: true, hostOnly: false },
  { prefix: '__Host-', httpOnly: false, hostOnly: true },
  { prefix: '__Secure-', httpOnly: false, hostOnly: false }
]

/** The prefix rule a cookie name falls under, matched case-insensitively as browsers match it. */
export function prefixRuleOf(name: string): PrefixRule | undefined {
  const lower = name.toLowerCase()
  return PREFIX_RULES.find((rule) => lower.startsWith(rule.prefix.toLowerCase()))
}

/** Validates the cookie options. Throws a `TypeError` naming a bad one, or one a browser would drop the cookie for. */
export function resolveCookieOptions(options: CookieOptions): CookieConfig {
  const name = pick(
    'cookieName',
    options.cookieName,
    'session',
    (value) => typeof value === 'string' && COOKIE_NAME_PATTERN.test(value),
    'a cookie name (RFC 6265 token characters)'
  )
  const httpOnly = pick(...aliased(options, 'httpOnly', 'httpOnlyCookie'), true, isBoolean, 'a boolean')
  const secure = pick<boolean | 'auto'>(
    ...aliased(options, 'secure', 'secureCookie'),
    'auto',
    (value) => isBoolean(value) || value === 'auto',
    "true, false or 'auto'"
  )
  const sameSite = pick<SameSite>(
    ...aliased(options, 'sameSite', 'sameSiteCookie'),
    'lax',
    (value) => SAME_SITE_VALUES.includes(value as string),
    "'lax', 'strict' or 'none'"
  )
  const domain = pick<string | undefined>(
    'domain',
    options.domain,
    undefined,
    (value) => typeof value === 'string' && /^\.?[A-Za-z0-9.-]+$/.test(value),
    'a domain name'
  )
  const path = pick(
    'path',
    options.path,
    '/',
    (value) => typeof value === 'string' && /^\/[\x21-\x3a\x3c-\x7e]*$/.test(value),
    'a path starting with "/"'
  )
  const partitioned = pick('partitioned', options.partitioned, false, isBoolean, 'a boolean')
  const priority = pick<'low' | 'medium' | 'high' | undefined>(
    'priority',
    options.priority,
    undefined,
    (value) => PRIORITY_VALUES.includes(value as string),
    "'low', 'medium' or 'high'"
  )

  // Browsers drop these cookies silently; failing at start-up beats a login that never sticks.
  if (sameSite === 'none' && secure !== true)
    throw invalidOption('sameSite', sameSite, "used with secure: true ('none' needs Secure)")
  if (partitioned && secure !== true)
    throw invalidOption('partitioned', partitioned, 'used with secure: true (Partitioned needs Secure)')
  const rule = prefixRuleOf(name)
  if (rule) {
    const prefix = name.slice(0, rule.prefix.length)
    if (secure !== true) throw invalidOption('secure', secure, `true for a ${prefix} cookie name`)
    if (rule.httpOnly && !httpOnly) throw invalidOption('httpOnly', httpOnly, `true for a ${prefix} cookie name`)
    if (rule.hostOnly && domain !== undefined)
      throw invalidOption('domain', domain, `unset for a ${prefix} cookie name`)
    if (rule.hostOnly && path !== '/') throw invalidOption('path', path, `"/" for a ${prefix} cookie name`)
  }
  return Object.freeze({ name, httpOnly, secure, sameSite, domain, path, partitioned, priority })
}
