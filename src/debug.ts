import { debuglog, format } from 'node:util'

/** The name of the debug log channel, for `NODE_DEBUG` and for `DEBUG`. */
export const DEBUG_CHANNEL = 'express-session-registry'

const nodeDebug = debuglog(DEBUG_CHANNEL)

/**
 * Whether the `DEBUG` variable (the `debug` package's convention: names separated by commas or spaces,
 * `*` as a wildcard, `-name` to leave one out) turns the channel on. Read once, at load.
 */
export function debugVariableEnables(value: string | undefined): boolean {
  let enabled = false
  for (const pattern of (value ?? '').split(/[\s,]+/).filter(Boolean)) {
    const excluded = pattern.startsWith('-')
    const glob = excluded ? pattern.slice(1) : pattern
    const regex = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?')}$`)
    if (!regex.test(DEBUG_CHANNEL)) continue
    if (excluded) return false
    enabled = true
  }
  return enabled
}

const debugVariable = debugVariableEnables(process.env.DEBUG)

/** Whether the debug log is on: `NODE_DEBUG=express-session-registry` or `DEBUG=express-session-registry`. */
export const debugEnabled: boolean = nodeDebug.enabled || debugVariable

/**
 * Writes one line to the debug log (standard error), when it is on. Callers pass operations, durations,
 * session ids and error messages: never a token, nor a token's hash.
 */
export function debugLog(message: string, ...values: unknown[]): void {
  if (nodeDebug.enabled) nodeDebug(message, ...values)
  else if (debugVariable) process.stderr.write(`${DEBUG_CHANNEL} ${format(message, ...values)}\n`)
}
