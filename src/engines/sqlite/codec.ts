import type { EngineSubject } from '../../engine'

/** The column values of a subject, in the order the statements take them after the token and category. */
export interface RowValues {
  /** The subject as JSON text. */
  readonly data: string
  /** `expiresAt` in milliseconds since the epoch, `null` when the entry never expires. */
  readonly expiresAt: number | null
  /** `lastAccessed` in milliseconds, `null` when the subject has none (it then counts as least recent). */
  readonly lastAccessed: number | null
  /** `firstAccessed` in milliseconds, `null` when the subject has none. */
  readonly firstAccessed: number | null
}

/** The columns of a subject. `JSON.stringify` escapes lone surrogates, so the text is always valid UTF-8. */
export function rowValues(subject: EngineSubject): RowValues {
  return {
    data: JSON.stringify(subject),
    expiresAt: timeOf(subject.expiresAt),
    lastAccessed: timeOf(subject.lastAccessed),
    firstAccessed: timeOf(subject.firstAccessed)
  }
}

/** A subject read back from its JSON. */
export function subjectOf(data: string): EngineSubject {
  return JSON.parse(data) as EngineSubject
}

/**
 * `stored` with the top-level `fields` written over it, as a patch does: a field given as `undefined`
 * is removed (as JSON would drop it), every other field is left as stored.
 */
export function patched(stored: EngineSubject, fields: EngineSubject): EngineSubject {
  // A fresh object with own properties only: a field named "__proto__" stays data.
  const result: EngineSubject = Object.fromEntries(Object.entries(stored))
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete result[name]
    else Object.defineProperty(result, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return result
}

/** The `version` of a stored subject; absent counts as 0. */
export function versionOf(subject: EngineSubject): number {
  return typeof subject.version === 'number' ? subject.version : 0
}

function timeOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null
}

// A lone surrogate (matched alone under the `u` flag) or a backslash: what a key escapes.
const ESCAPED = /[\\\ud800-\udfff]/u
const ESCAPED_ALL = /[\\\ud800-\udfff]/gu
const UNESCAPED = /\\(\\|u[0-9a-f]{4})/g

/**
 * A token or category as SQLite `TEXT` holds it exactly. Text is stored as UTF-8, where a lone UTF-16
 * surrogate becomes U+FFFD: two user ids differing only there would share one category. So `\` is
 * doubled and a lone surrogate written `\uXXXX`; the mapping is one to one, and the identity for every
 * token hash and usual user id (one regular-expression test).
 */
export function toColumn(key: string): string {
  if (!ESCAPED.test(key)) return key
  return key.replace(ESCAPED_ALL, (char) =>
    char === '\\' ? '\\\\' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** The key {@link toColumn} stored. */
export function fromColumn(stored: string): string {
  if (!stored.includes('\\')) return stored
  return stored.replace(UNESCAPED, (_, escape: string) =>
    escape === '\\' ? '\\' : String.fromCharCode(parseInt(escape.slice(1), 16))
  )
}
