import type { EngineSubject } from '../../engine'

/** One row's column values, in the order the statements take them after the token and category. */
export interface RowValues {
  /** The subject as JSON text (a `json` column keeps it byte for byte). */
  data: string
  /** `expiresAt` in milliseconds since the epoch, `null` when the entry never expires. */
  expiresAt: number | null
  /** `lastAccessed` in milliseconds, `null` when the subject has none (it then counts as least recent). */
  lastAccessed: number | null
  /** `firstAccessed` in milliseconds, `null` when the subject has none. */
  firstAccessed: number | null
}

const ESCAPED = /[\\\0]/g
const UNESCAPED = /\\([\\0])/g

/**
 * A token or category as PostgreSQL `text` can hold it: `text` refuses NUL, so `\` is doubled and NUL
 * written `\0`. The mapping is one to one, and the identity for every token hash and usual user id.
 */
export function toColumn(key: string): string {
  return key.includes('\\') || key.includes('\0')
    ? key.replace(ESCAPED, (char) => (char === '\\' ? '\\\\' : '\\0'))
    : key
}

/** The key {@link toColumn} stored. */
export function fromColumn(stored: string): string {
  return stored.includes('\\') ? stored.replace(UNESCAPED, (_, char: string) => (char === '\\' ? '\\' : '\0')) : stored
}

/** The column values of a subject; JSON escapes NUL as `\u0000`, which a `json` column accepts. */
export function rowValues(subject: EngineSubject): RowValues {
  return {
    data: JSON.stringify(subject),
    expiresAt: timeOf(subject.expiresAt),
    lastAccessed: timeOf(subject.lastAccessed),
    firstAccessed: timeOf(subject.firstAccessed)
  }
}

function timeOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
