import { inputError } from '../errors'
import { isPlainObject } from '../record'

/**
 * How deeply session data may nest, the data object itself counting as one level: well within what
 * every engine decodes (Redis's Lua cjson stops at 1,000) and what `JSON.stringify` can walk.
 */
export const MAX_DATA_DEPTH = 64

// Keys that reach Object.prototype when data is merged or read back by careless code.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** The `TypeError` for session data at `path` that cannot be stored. */
export function refuseData(path: string, reason: string): TypeError {
  return inputError(`session data ${path} ${reason}`)
}

// String.prototype.isWellFormed (Node 20): false for a lone UTF-16 surrogate, which no engine's JSON
// decoder is bound to accept and which a UTF-8 store cannot keep as it is.
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed()

/** Throws a `TypeError` naming `what` unless `text` is well-formed UTF-16 (no lone surrogate). */
export function assertWellFormed(text: string, what: string): void {
  if (!isWellFormed(text)) throw inputError(`${what} must not contain a lone UTF-16 surrogate`)
}

/** Refuses a key of session data at `path` that no engine may keep, or that reaches a prototype. */
export function assertKey(key: string, path: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw refuseData(path, `must not have a "${key}" key`)
  if (!isWellFormed(key)) throw refuseData(path, 'must not have a key with a lone UTF-16 surrogate')
}

interface Visit {
  value: unknown
  path: string
  depth: number
}

/**
 * Throws a `TypeError` naming the path unless `value` is JSON data that survives a round trip as it is:
 * finite numbers, strings, booleans, null, plain objects and arrays, nothing containing itself, at most
 * {@link MAX_DATA_DEPTH} levels below `depth`. Iterative, so no input can exhaust the stack.
 */
export function assertJsonShape(value: unknown, path: string, depth: number): void {
  const pending: Array<Visit | { leave: object }> = [{ value, path, depth }]
  const ancestors = new Set<object>()
  while (pending.length > 0) {
    const visit = pending.pop()!
    if ('leave' in visit) {
      ancestors.delete(visit.leave)
      continue
    }
    const { value: current, path: where } = visit
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) throw refuseData(where, 'must be a finite number')
      continue
    }
    if (typeof current !== 'object') throw refuseData(where, `must be JSON data, got ${typeof current}`)
    if (ancestors.has(current)) throw refuseData(where, 'must not contain itself')
    if (!Array.isArray(current) && !isPlainObject(current))
      throw refuseData(where, 'must be a plain object, an array or a JSON value')
    if (visit.depth > MAX_DATA_DEPTH) throw refuseData(where, `is nested deeper than ${MAX_DATA_DEPTH} levels`)
    ancestors.add(current)
    pending.push({ leave: current })
    for (const [key, child] of Object.entries(current)) {
      assertKey(key, where)
      pending.push({ value: child, path: `${where}.${key}`, depth: visit.depth + 1 })
    }
  }
}

/**
 * Checks data as it will be stored (parsed back from its JSON, so nothing a `toJSON` did in between
 * escapes): first its depth, then every key, then every string, each without recursion.
 */
export function assertStorable(parsed: Record<string, unknown>): void {
  const containers: Visit[] = [{ value: parsed, path: '', depth: 1 }]
  const strings: Array<[string, string]> = []
  for (let index = 0; index < containers.length; index++) {
    const { value, path, depth } = containers[index]
    if (depth > MAX_DATA_DEPTH) throw refuseData(path, `is nested deeper than ${MAX_DATA_DEPTH} levels`)
    for (const [key, child] of Object.entries(value as object)) {
      const childPath = path === '' ? key : `${path}.${key}`
      if (typeof child === 'string') strings.push([child, childPath])
      else if (child !== null && typeof child === 'object')
        containers.push({ value: child, path: childPath, depth: depth + 1 })
    }
  }
  for (const { value, path } of containers) {
    for (const key of Object.keys(value as object)) assertKey(key, path === '' ? 'patch' : path)
  }
  for (const [text, path] of strings) {
    if (!isWellFormed(text)) throw refuseData(path, 'must not contain a lone UTF-16 surrogate')
  }
}
