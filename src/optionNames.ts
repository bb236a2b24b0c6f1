/**
 * Every option `session()` takes. `options.ts` checks at compile time that this list and
 * `SessionOptions` name the same options.
 */
export const SESSION_OPTION_LIST = [
  'engine',
  'engineOptions',
  'registryId',
  'seed',
  'cookieName',
  'trackSessionAccess',
  'httpOnly',
  'secure',
  'sameSite',
  'domain',
  'path',
  'partitioned',
  'priority',
  'httpOnlyCookie',
  'secureCookie',
  'sameSiteCookie',
  'idleTimeout',
  'absoluteTimeout',
  'maxWriteInterval',
  'rotateAfter',
  'rotationGrace',
  'csrfProtection',
  'transports',
  'persistentCookie',
  'trustedOrigins',
  'maxSessionsPerUser',
  'maxDataBytes',
  'engineTimeout'
] as const

/** Every option `session()` takes, for looking names up. */
export const SESSION_OPTION_NAMES: ReadonlySet<string> = new Set(SESSION_OPTION_LIST)
