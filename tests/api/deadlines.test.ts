// The one timer behind every engine call's and Redis round trip's deadline.
import { DeadlineClock } from '../../src/deadlines'

const never = () => new Promise<never>(() => undefined)

/** The outcome of `promise` as far as it has settled: `'pending'` until then. */
function watch(promise: Promise<unknown>): { readonly outcome: unknown } {
  const watched: { outcome: unknown } = { outcome: 'pending' }
  promise.then(
    (value) => (watched.outcome = { value }),
    (error: unknown) => (watched.outcome = { error })
  )
  return watched
}

/** Advances the fake clock, then lets the promises that settled run their callbacks. */
async function advance(ms: number): Promise<void> {
  jest.advanceTimersByTime(ms)
  for (let turn = 0; turn < 5; turn++) await Promise.resolve()
}

describe('DeadlineClock', () => {
  beforeEach(() => jest.useFakeTimers())
  afterEach(() => jest.useRealTimers())

  it('fails a promise still pending at its deadline with the error made then, within one tick, not before', async () => {
    const clock = new DeadlineClock(800)
    const overdue = new Error('overdue')
    const made = jest.fn(() => overdue)
    const watched = watch(clock.bound(never(), made))
    await advance(799)
    expect(watched.outcome).toBe('pending')
    expect(made).not.toHaveBeenCalled()
    await advance(100)
    expect(watched.outcome).toEqual({ error: overdue })
    expect(made).toHaveBeenCalledTimes(1)
  })

  it('passes a value through, and a rejection through its mapping', async () => {
    const clock = new DeadlineClock(1_000)
    await expect(clock.bound(Promise.resolve('answer'), () => new Error('overdue'))).resolves.toBe('answer')
    const cause = new Error('refused')
    await expect(clock.bound(Promise.reject(cause), () => new Error('overdue'))).rejects.toBe(cause)
    const mapped = clock.bound(
      Promise.reject(cause),
      () => new Error('overdue'),
      (error) => ({ wrapped: error })
    )
    await expect(mapped).rejects.toEqual({ wrapped: cause })
  })

  it('fails each promise at its own deadline, however many wait on the one timer', async () => {
    const clock = new DeadlineClock(800)
    const first = watch(clock.bound(never(), () => new Error('first')))
    await advance(400)
    const second = watch(clock.bound(never(), () => new Error('second')))
    const answered = watch(clock.bound(Promise.resolve('fast'), () => new Error('fast')))
    await advance(500)
    expect(first.outcome).toEqual({ error: new Error('first') })
    expect(second.outcome).toBe('pending')
    expect(answered.outcome).toEqual({ value: 'fast' })
    await advance(400)
    expect(second.outcome).toEqual({ error: new Error('second') })
  })

  it('runs one timer while anything waits, and none once nothing does', async () => {
    const clock = new DeadlineClock(5_000)
    expect(jest.getTimerCount()).toBe(0)
    let answer: (value: string) => void = () => undefined
    const pending = Array.from({ length: 100 }, () =>
      clock.bound(never(), () => new Error('overdue')).catch(() => 'failed')
    )
    const answered = clock.bound(new Promise<string>((resolve) => (answer = resolve)), () => new Error('overdue'))
    expect(jest.getTimerCount()).toBe(1)
    answer('done')
    await expect(answered).resolves.toBe('done')
    await advance(5_250)
    expect(await Promise.all(pending)).toEqual(Array(100).fill('failed'))
    expect(jest.getTimerCount()).toBe(0)
  })
})
