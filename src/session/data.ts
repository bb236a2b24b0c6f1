import { inputError } from '../errors'
import { isPlainObject, type StoredData } from '../record'
import { assertJsonShape, assertKey, assertStorable, refuseData } from './storable'

export { MAX_DATA_DEPTH } from './storable'

/**
 * Data an app keeps on a session (the active organisation, an MFA step, an impersonator), loaded with
 * the session at no extra cost. Empty until the app augments it with its own fields:
 *
 * ```ts
 * declare module 'express-session-registry' {
 *   interface SessionData { orgId?: string }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/** A change to a session's data for `updateData()`: each key given replaces that key; `undefined` removes it. */
export type SessionDataPatch = { [K in keyof SessionData]?: SessionData[K] | undefined }

/**
 * The data a session holds after `patch`: a copy of `current` with each key of the patch replaced, or
 * removed when its value is `undefined`; `undefined` when nothing is left. The result is serialised
 * once and checked as parsed back, which is what is stored: its depth (at most `MAX_DATA_DEPTH`, 64,
 * levels), its keys, its strings (no lone surrogate), then its size. Throws a `TypeError` naming the
 * path when the patch is not JSON data that round-trips, or the result is over `maxBytes` serialized.
 */
export function mergeData(current: StoredData | undefined, patch: unknown, maxBytes: number): StoredData | undefined {
  if (!isPlainObject(patch)) throw refuseData('patch', 'must be a plain object')
  const merged: StoredData = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    assertKey(key, 'patch')
    if (value === undefined) delete merged[key]
    else {
      assertJsonShape(value, key, 2)
      merged[key] = value
    }
  }
  if (Object.keys(merged).length === 0) return undefined
  const json = serialize(merged)
  // Parsed back, so later changes to the caller's objects never reach the session, and what a toJSON
  // returned is checked rather than what was validated before it ran.
  const parsed = JSON.parse(json) as StoredData
  assertStorable(parsed)
  const bytes = Buffer.byteLength(json)
  if (bytes > maxBytes) {
    throw inputError(`session data is ${bytes} bytes serialized, over maxDataBytes (${maxBytes})`)
  }
  return Object.keys(parsed).length === 0 ? undefined : parsed
}

function serialize(data: StoredData): string {
  try {
    return JSON.stringify(data)
  } catch (error) {
    // A toJSON that throws, or returns something circular or too deep to walk.
    throw refuseData('patch', `cannot be serialized as JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}
