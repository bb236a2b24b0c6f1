import type { EngineSubject } from '../../engine'

/** One row's column values, in the order the statements take them after the token and category. */
export interface RowValues {
  /** The subject's fields as `jsonb` text: each field's value is its own JSON text (see {@link encodeFields}). */
  fields: string
  /** `expiresAt` in milliseconds since the epoch, `null` when the entry never expires. */
  expiresAt: number | null
  /** `lastAccessed` in milliseconds, `null` when the subject has none (it then counts as least recent). */
  lastAccessed: number | null
  /** `firstAccessed` in milliseconds, `null` when the subject has none. */
  firstAccessed: number | null
}

/** What a patch sends: the fields it names, and the new values of those it keeps. */
export interface PatchValues {
  /** Every field the patch names (escaped as {@link toColumn} does): the stored values of these go. */
  named: string[]
  /** The fields with a value, encoded as {@link encodeFields} does: these are written. */
  fields: string
  /** Whether the patch sets `lastAccessed`, and its milliseconds (`null`: none). */
  lastAccessed: [boolean, number | null]
  /** Whether the patch sets `expiresAt`, and its milliseconds (`null`: never expires). */
  expiresAt: [boolean, number | null]
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

/**
 * A subject as the `fields` column holds it: a JSON object whose values are the JSON texts of the
 * subject's values. PostgreSQL can then replace one field without decoding another: JSON text is
 * plain text to it (a NUL in a value is the six characters `\u0000`, which `jsonb` would refuse to
 * decode but stores as text), and every stored value comes back byte for byte. Fields whose value is
 * `undefined` are left out, as `JSON.stringify` leaves them out.
 */
export function encodeFields(subject: EngineSubject): string {
  const encoded: Record<string, string> = {}
  for (const [name, value] of Object.entries(subject)) {
    const text = JSON.stringify(value) as string | undefined
    if (text !== undefined) encoded[toColumn(name)] = text
  }
  return JSON.stringify(encoded)
}

/** The subject {@link encodeFields} stored; `stored` is the parsed column, or its text when a pool leaves it unparsed. */
export function decodeFields(stored: Record<string, string> | string): EngineSubject {
  const encoded = typeof stored === 'string' ? (JSON.parse(stored) as Record<string, string>) : stored
  const subject: EngineSubject = {}
  // defineProperty: a stored "__proto__" field stays data, never the prototype.
  for (const [name, text] of Object.entries(encoded)) {
    Object.defineProperty(subject, fromColumn(name), {
      value: JSON.parse(text) as unknown,
      enumerable: true,
      writable: true,
      configurable: true
    })
  }
  return subject
}

/** The column values of a subject. */
export function rowValues(subject: EngineSubject): RowValues {
  return {
    fields: encodeFields(subject),
    expiresAt: timeOf(subject.expiresAt),
    lastAccessed: timeOf(subject.lastAccessed),
    firstAccessed: timeOf(subject.firstAccessed)
  }
}

/** The values of a patch of `fields`; a field given as `undefined` is removed. */
export function patchValues(fields: EngineSubject): PatchValues {
  return {
    named: Object.keys(fields).map(toColumn),
    fields: encodeFields(fields),
    lastAccessed: [Object.hasOwn(fields, 'lastAccessed'), timeOf(fields.lastAccessed)],
    expiresAt: [Object.hasOwn(fields, 'expiresAt'), timeOf(fields.expiresAt)]
  }
}

function timeOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
