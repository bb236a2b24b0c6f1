import type { EngineSubject } from '../engine'

/**
 * A subject kept in process memory, and handed out as copies: a flat subject (every field a primitive,
 * as the core's sessions are) is copied with a spread, anything else through its JSON, so that no caller
 * can mutate what is kept.
 */
export class SubjectSnapshot {
  // Never handed out, only copied: not frozen, since V8 spreads a frozen object on a path several times slower.
  readonly #kept: Readonly<EngineSubject>
  readonly #json: string | undefined

  /** `subject` must be JSON data the caller no longer mutates (a freshly parsed one). */
  constructor(subject: EngineSubject, json?: string) {
    const flat = Object.values(subject).every((value) => value === null || typeof value !== 'object')
    this.#kept = subject
    this.#json = flat ? undefined : (json ?? JSON.stringify(subject))
  }

  /**
   * A snapshot of a subject the caller may go on mutating, as a JSON store would keep it: a flat subject
   * of JSON primitives is copied as it is (its JSON round trip would give the same), anything else goes
   * through `JSON.stringify` and `JSON.parse`, and fails where JSON does.
   */
  static of(subject: EngineSubject): SubjectSnapshot {
    if (Object.values(subject).every(isJsonPrimitive)) return new SubjectSnapshot({ ...subject })
    const json = JSON.stringify(subject)
    return new SubjectSnapshot(JSON.parse(json) as EngineSubject, json)
  }

  /** A copy of the subject that shares nothing mutable with the kept one. */
  copy(): EngineSubject {
    return this.#json === undefined ? { ...this.#kept } : (JSON.parse(this.#json) as EngineSubject)
  }
}

function isJsonPrimitive(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}
