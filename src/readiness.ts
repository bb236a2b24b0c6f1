import type { SessionContext } from './context'
import { SessionEngineError } from './errors'
import type { SessionConfig } from './options'

// The options that say where a named engine's server or file is, in the order they are looked for.
const LOCATION_OPTIONS = ['url', 'connectionString', 'filename', 'host'] as const

/**
 * Connects and checks the engine of `context`: resolves once the engine has answered a read. Rejects with
 * a {@link SessionEngineError} whose `cause` is the engine's failure and whose message names the option
 * to look at, the engine's address without its credentials, and the package to install when one is missing.
 */
export async function engineReady(context: SessionContext): Promise<void> {
  try {
    await context.store.ready()
  } catch (error) {
    const cause = error instanceof SessionEngineError ? error.cause : error
    throw new SessionEngineError('start', cause, whereToLook(context.config))
  }
}

function whereToLook({ engine, engineOptions }: SessionConfig): string {
  if (typeof engine !== 'string') return `check option "engine": ${engine.constructor?.name ?? 'an engine object'}`
  const named = `check option "engine": ${JSON.stringify(engine)}`
  for (const name of LOCATION_OPTIONS) {
    const value = engineOptions?.[name]
    if (typeof value === 'string') return `${named}, option "engineOptions.${name}": ${withoutCredentials(value)}`
  }
  return named
}

/** `value` with any user name and password taken out, when it is a URL; as it is otherwise (a file name, a host). */
export function withoutCredentials(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return value
  }
  if (!url.host) return value
  url.username = ''
  url.password = ''
  return url.toString()
}
