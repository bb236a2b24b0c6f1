import { inputError } from '../errors'
import { isPlainObject, type StoredData } from '../record'

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

// Keys that reach Object.prototype when data is merged or read back by careless code.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function refuse(path: string, reason: string): TypeError {
  return inputError(`session data ${path} ${reason}`)
}

/** Throws a `TypeError` unless `value` survives a JSON round trip unchanged. */
function assertJson(value: unknown, path: string, ancestors: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(path, 'must be a finite number')
    return
  }
  if (typeof value !== 'object') throw refuse(path, `must be JSON data, got ${typeof value}`)
  if (ancestors.has(value)) throw refuse(path, 'must not contain itself')
  if (!Array.isArray(value) && !isPlainObject(value))
    throw refuse(path, 'must be a plain object, an array or a JSON value')
  ancestors.add(value)
  for (const [key, child] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw refuse(path, `must not have a "${key}" key`)
    assertJson(child, `${path}.${key}`, ancestors)
  }
  ancestors.delete(value)
}

/**
 * The data a session holds after `patch`: a copy of `current` with each key of the patch replaced, or
 * removed when its value is `undefined`; `undefined` when nothing is left. Throws a `TypeError` when the
 * patch is not JSON data or the result is over `maxBytes` serialized.
 */
export function mergeData(current: StoredData | undefined, patch: unknown, maxBytes: number): StoredData | undefined {
  if (!isPlainObject(patch)) throw refuse('patch', 'must be a plain object')
  const merged: StoredData = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(key)) throw refuse('patch', `must not have a "${key}" key`)
    if (value === undefined) delete merged[key]
    else {
      assertJson(value, key, new Set())
      merged[key] = value
    }
  }
  if (Object.keys(merged).length === 0) return undefined
  // Copied through JSON, so later changes to the caller's objects never reach the session.
  const json = JSON.stringify(merged)
  const bytes = Buffer.byteLength(json)
  if (bytes > maxBytes) {
    throw inputError(`session data is ${bytes} bytes serialized, over maxDataBytes (${maxBytes})`)
  }
  return JSON.parse(json) as StoredData
}
