import type { EngineSubject } from '../../engine'
import { text } from './connection'

/** What one entry holds: its category (to find its index from the token alone) and its subject. */
export interface StoredEntry {
  category: string
  subject: EngineSubject
}

// The fields of a session as the core stores it get one-letter names: key names are a fifth of a
// session's JSON, and every byte of a million entries counts. Other fields keep their name behind a
// `_`, so any subject round-trips, whatever its fields.
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
  data: 'D'
}
const LONG_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(SHORT_NAMES).map(([long, short]) => [short, long])
)

/** `[category, subject]` as compact JSON. Throws a `TypeError` when the subject is not JSON data. */
export function encodeEntry(category: string, subject: EngineSubject): string {
  const compact = Object.entries(subject).map(([name, value]) => [
    Object.hasOwn(SHORT_NAMES, name) ? SHORT_NAMES[name] : `_${name}`,
    value
  ])
  return JSON.stringify([category, Object.fromEntries(compact)])
}

/** The entry in a reply, or `undefined` for no reply or a value this engine did not write. */
export function decodeEntry(reply: unknown): StoredEntry | undefined {
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
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  const subject = Object.fromEntries(
    Object.entries(fields as EngineSubject).map(([name, value]) => [
      name.startsWith('_') ? name.slice(1) : (LONG_NAMES.get(name) ?? name),
      value
    ])
  )
  return { category, subject }
}

/** The subjects of the entries in `replies`, skipping replies that hold none. */
export function subjectsIn(replies: unknown[]): EngineSubject[] {
  return replies.flatMap((reply): EngineSubject[] => {
    const entry = decodeEntry(reply)
    return entry ? [entry.subject] : []
  })
}
