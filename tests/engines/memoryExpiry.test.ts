import { MemoryEngine } from 'express-session-registry'
import { sessionSubject, tokenHash } from 'express-session-registry/testing'

describe('MemoryEngine and expiry between sweeps', () => {
  const engine = new MemoryEngine()
  let clock: jest.SpyInstance
  let now: number

  beforeEach(() => {
    engine.clear()
    now = Date.now()
    clock = jest.spyOn(Date, 'now').mockImplementation(() => now)
  })

  afterEach(() => clock.mockRestore())
  afterAll(() => engine.release())

  it('lists no session past its expiresAt, even before the sweep removes it', () => {
    const [lasting, ending] = [tokenHash(), tokenHash()]
    engine.set(lasting, 'auth-u', sessionSubject({ id: 'lasting', expiresAt: now + 60_000 }))
    engine.set(ending, 'auth-u', sessionSubject({ id: 'ending', expiresAt: now + 1_000 }))
    now += 2_000
    expect(Object.keys(engine.getAll('auth-u'))).toEqual([lasting])
    expect(engine.get(ending)).toBeUndefined()
  })

  it('keeps a session whose expiresAt a patch removed past the time it had', () => {
    const token = tokenHash()
    engine.set(token, 'auth-u', sessionSubject({ id: 'kept', expiresAt: now + 1_000 }))
    expect(engine.patch(token, 'auth-u', { expiresAt: undefined })).toBe(true)
    now += 2_000
    engine.sweep(now)
    expect(engine.get(token)).toMatchObject({ id: 'kept' })
    expect(engine.get(token)).not.toHaveProperty('expiresAt')
    expect(Object.keys(engine.getAll('auth-u'))).toEqual([token])
  })
})
