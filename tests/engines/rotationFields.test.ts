// The fields a rotation stores on an entry are plain subject fields: every engine keeps them exactly,
// through set, patch (compare-and-set on the version) and a move to another category.
import { isStoredSession } from '../../src/record'
import { engineMatrix } from '../support/engineMatrix'

const session = (now: number) => ({
  id: 'session-id',
  userId: 'ada',
  firstAccessed: now,
  lastAccessed: now,
  firstIp: '127.0.0.1',
  lastIp: '127.0.0.1',
  userAgent: 'agent',
  deviceId: null,
  expiresAt: now + 60_000,
  version: 3,
  issuedAt: now + 1
})

describe.each(engineMatrix())('rotation fields on $name', ({ engine }) => {
  it('round-trip through set, a compare-and-set patch and a move to another category', async () => {
    const store = engine()
    await store.prepare?.()
    const now = Date.now()
    const token = `rotation-fields-${now}`
    await store.set(token, 'auth-ada', session(now))
    expect(await store.get(token)).toEqual(session(now))
    const claim = { rotatedTo: 'successor-hash', rotatedAt: now + 2, version: 4 }
    expect(await store.patch!(token, 'auth-ada', claim, 2)).toBe(false)
    expect(await store.patch!(token, 'auth-ada', claim, 3)).toBe(true)
    expect(await store.patch!(token, 'auth-ada', claim, 3)).toBe(false)
    const claimed = await store.get(token)
    expect(claimed).toEqual({ ...session(now), ...claim })
    expect(isStoredSession(claimed)).toBe(true)
    await store.set(token, 'rotated-ada', claimed!)
    expect(Object.keys(await store.getAll('auth-ada'))).not.toContain(token)
    expect(Object.keys(await store.getAll('rotated-ada'))).toContain(token)
    expect(await store.get(token)).toEqual(claimed)
    await store.delete(token, 'rotated-ada')
  })
})

describe('isStoredSession', () => {
  it.each([
    ['an issuedAt that is not a time', { issuedAt: 'now' }],
    ['a rotatedTo without rotatedAt', { rotatedTo: 'hash' }],
    ['a rotatedAt without rotatedTo', { rotatedAt: 1 }],
    ['a rotatedTo that is not a string', { rotatedTo: 1, rotatedAt: 1 }]
  ])('refuses %s', (_case, fields) => {
    expect(isStoredSession({ ...session(Date.now()), ...fields })).toBe(false)
  })
})
