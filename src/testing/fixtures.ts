import assert from 'node:assert/strict'
import type { EngineSubject } from '../engine'

let sequence = 0
/** A fresh key per call, shaped like a real token hash (43 base64url characters). */
export function tokenHash(label = 'k'): string {
  sequence += 1
  return `${label}${sequence}`.padEnd(43, 'A').slice(0, 43)
}

/** A minimal subject as the suite stores it, live for a minute; `overrides` replace its fields. */
export function subject(overrides: EngineSubject = {}): EngineSubject {
  const now = Date.now()
  return {
    id: `id-${sequence}`,
    userId: 'user-1',
    firstAccessed: now,
    lastAccessed: now,
    firstIp: '127.0.0.1',
    lastIp: '127.0.0.1',
    userAgent: 'conformance',
    deviceId: null,
    expiresAt: now + 60_000,
    ...overrides
  }
}

/** A session subject as the core writes one, from a phone, live for a minute; `overrides` replace its fields. */
export function sessionSubject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now()
  return {
    id: 'hSd9w1X0bq2kQW7lWf3c1A',
    userId: 'user-1',
    firstAccessed: now,
    lastAccessed: now,
    firstIp: '203.0.113.7',
    lastIp: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
    deviceId: null,
    expiresAt: now + 60_000,
    ...overrides
  }
}

/** Polls `check` until it holds, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new assert.AssertionError({ message: 'condition not met in time' })
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// Engines store JSON, so what they return is compared as JSON: a member set to `undefined` and a
// missing one are the same, and the prototype of a returned object does not matter.
const asJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)))

/** Whether `a` and `b` are, as JSON, equal: key order does not matter (a store may keep its own). */
export function isSameJson(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(asJson(a), asJson(b))
    return true
  } catch {
    return false
  }
}

/** Asserts `actual` is, as JSON, equal to `expected`. */
export function assertSameJson(actual: unknown, expected: unknown, message?: string): void {
  assert.deepEqual(asJson(actual), asJson(expected), message)
}

/** Asserts `actual` is an object holding every member of `expected` (others may be there too). */
export function assertHas(actual: unknown, expected: Record<string, unknown>, message?: string): void {
  assert.ok(actual && typeof actual === 'object', message ?? `expected an entry, got ${String(actual)}`)
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, (actual as Record<string, unknown>)[key]]))
  assertSameJson(picked, expected, message)
}

/** Asserts `actual` is "not found": `undefined` or `null` (the contract allows either). */
export function assertMissing(actual: unknown, message?: string): void {
  assert.ok(actual === undefined || actual === null, message ?? `expected no entry, got ${JSON.stringify(actual)}`)
}

/** The sorted keys of a `getAll()` answer. */
export function keysOf(all: Record<string, unknown>): string[] {
  return Object.keys(all).sort()
}
