import type { EngineSubject } from '../../engine'
import { text } from './connection'

/** What one entry holds: its category (to find its index from the token alone) and its subject. */
export interface StoredEntry {
  category: string
  subject: EngineSubject
}

/**
 * The hash field that holds an entry's category. Subject fields are stored under their short name or
 * behind a `_`, so no subject field can take this name.
 */
export const CATEGORY_FIELD = 'c'

/** The hash field of the subject's `version`, which `patch` compares. */
export const VERSION_FIELD = 'v'

// The fields of a session as the core stores it get one-letter names: key names are a fifth of a
// session, and every byte of a million entries counts. Other fields keep their name behind a `_`, so
// any subject round-trips, whatever its fields.
const SHORT_NAMES: Readonly<Record<string, string>> = {
  id: 'i',
  userId: 'u',
  firstAccessed: 'f',
  lastAccessed: 'l',
  firstIp: 'F',
  lastIp: 'L',
  userAgent: 'a',
  deviceId: 'd',
  expiresAt: 'e',
  data: 'D',
  version: VERSION_FIELD
}
const LONG_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(SHORT_NAMES).map(([long, short]) => [short, long])
)

function storedName(name: string): string {
  return Object.hasOwn(SHORT_NAMES, name) ? SHORT_NAMES[name] : `_${name}`
}

function subjectName(stored: string): string {
  return stored.startsWith('_') ? stored.slice(1) : (LONG_NAMES.get(stored) ?? stored)
}

/**
 * A subject's fields as hash field/value pairs, each value its own JSON text, which keeps every string
 * exact (a lone surrogate is written as its `\u` escape, never as bytes). Fields whose value JSON
 * leaves out (`undefined`) are in `unset`. Throws a `TypeError` when a value is not JSON data.
 */
export function encodeFields(fields: EngineSubject): { set: string[]; unset: string[] } {
  const set: string[] = []
  const unset: string[] = []
  for (const [name, value] of Object.entries(fields)) {
    const json = JSON.stringify(value) as string | undefined
    if (json === undefined) unset.push(storedName(name))
    else set.push(storedName(name), json)
  }
  return { set, unset }
}

/** A whole entry as hash field/value pairs: its category, then its subject's fields. */
export function encodeHash(category: string, subject: EngineSubject): string[] {
  return [CATEGORY_FIELD, JSON.stringify(category), ...encodeFields(subject).set]
}

/** An entry's index score: its last use (ms), 0 when it has none. */
export function lastUseOf(subject: EngineSubject): string {
  const { lastAccessed } = subject
  return typeof lastAccessed === 'number' && Number.isFinite(lastAccessed) ? String(lastAccessed) : '0'
}

/** The category as the hash stores it, for scripts that compare it as plain text. */
export function storedCategory(category: string): string {
  return JSON.stringify(category)
}

/** The beginning of an entry of `category` in the layout of release 0.1 (`[category, fields]` JSON). */
export function legacyPrefix(category: string): string {
  return `[${JSON.stringify(category)},`
}

/**
 * The entry in a `HGETALL` reply (a flat array, a `Map` or an object, of strings or Buffers), or
 * `undefined` for an empty reply or a hash this engine did not write. Decoded field by field into the
 * subject: this runs on every request.
 */
export function decodeHash(reply: unknown): StoredEntry | undefined {
  if (reply === null || reply === undefined) return undefined
  const decoding: Decoding = { category: undefined, subject: {} }
  if (Array.isArray(reply)) {
    for (let position = 0; position + 1 < reply.length; position += 2) {
      if (!decodeField(decoding, text(reply[position]), text(reply[position + 1]))) return undefined
    }
  } else if (reply instanceof Map) {
    for (const [name, value] of reply as Map<unknown, unknown>) {
      if (!decodeField(decoding, text(name), text(value))) return undefined
    }
  } else {
    const fields = reply as Record<string, unknown>
    for (const name of Object.keys(fields)) {
      if (!decodeField(decoding, name, text(fields[name]))) return undefined
    }
  }
  const { category, subject } = decoding
  return category === undefined ? undefined : { category, subject }
}

interface Decoding {
  category: string | undefined
  subject: EngineSubject
}

/** Adds one hash field to the entry being decoded; `false` when it is not one this engine wrote. */
function decodeField(decoding: Decoding, name: string, raw: string): boolean {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return false
  }
  if (name === CATEGORY_FIELD) {
    if (typeof value !== 'string') return false
    decoding.category = value
    return true
  }
  const long = LONG_NAMES.get(name)
  if (long !== undefined) decoding.subject[long] = value
  // Defined, not assigned: a field named "__proto__" stays a field.
  else Object.defineProperty(decoding.subject, subjectName(name), fieldDescriptor(value))
  return true
}

function fieldDescriptor(value: unknown): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true }
}

/** The category in a stored `c` field, or `undefined` when it holds none. */
export function decodeCategory(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined
  try {
    const category: unknown = JSON.parse(text(reply))
    return typeof category === 'string' ? category : undefined
  } catch {
    return undefined
  }
}

/**
 * An entry in the layout of release 0.1, a string `[category, fields]`, or `undefined` for no reply or
 * a value this engine did not write.
 */
export function decodeLegacyEntry(reply: unknown): StoredEntry | undefined {
  if (reply === null || reply === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text(reply))
  } catch {
    return undefined
  }
  const [category, fields] = Array.isArray(parsed) ? parsed : []
  if (typeof category !== 'string' || typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return undefined
  }
  const subject = Object.fromEntries(
    Object.entries(fields as EngineSubject).map(([name, value]) => [subjectName(name), value])
  )
  return { category, subject }
}

/**
 * What a script returns for an entry it read: `false` for none, or `[kind, contents]` where kind is
 * `hash` (contents: its `HGETALL`) or `string` (contents: a release 0.1 entry).
 */
export function decodeTaken(reply: unknown): StoredEntry | undefined {
  if (!Array.isArray(reply)) return undefined
  const [kind, contents] = reply as unknown[]
  return text(kind) === 'hash' ? decodeHash(contents) : decodeLegacyEntry(contents)
}

/** The subjects of the entries scripts returned, skipping replies that hold none. */
export function subjectsIn(replies: unknown[]): EngineSubject[] {
  return replies.flatMap((reply): EngineSubject[] => {
    const entry = decodeTaken(reply)
    return entry ? [entry.subject] : []
  })
}
