import type { EngineSubject, SessionEngine } from '../../src'
import { MemoryEngine } from '../../src'

type Method = 'get' | 'set' | 'getAll' | 'delete' | 'update' | 'deleteAll' | 'clear'

/** A real MemoryEngine whose calls are counted, to prove what did or did not reach the store. */
export class CountingEngine implements SessionEngine {
  readonly inner = new MemoryEngine()
  readonly calls: Array<{ method: Method; args: unknown[] }> = []

  count(method?: Method): number {
    return this.calls.filter((call) => method === undefined || call.method === method).length
  }

  get(token: string) {
    this.calls.push({ method: 'get', args: [token] })
    return this.inner.get(token)
  }
  set(token: string, category: string, subject: EngineSubject) {
    this.calls.push({ method: 'set', args: [token, category, subject] })
    return this.inner.set(token, category, subject)
  }
  getAll(category: string) {
    this.calls.push({ method: 'getAll', args: [category] })
    return this.inner.getAll(category)
  }
  delete(token: string) {
    this.calls.push({ method: 'delete', args: [token] })
    return this.inner.delete(token)
  }
  update(token: string, category: string, subject: EngineSubject): boolean | Promise<boolean> {
    this.calls.push({ method: 'update', args: [token, category, subject] })
    return this.inner.update(token, category, subject)
  }
  deleteAll(category: string, keepToken?: string) {
    this.calls.push({ method: 'deleteAll', args: [category, keepToken] })
    return this.inner.deleteAll(category, keepToken)
  }
  clear() {
    this.calls.push({ method: 'clear', args: [] })
    return this.inner.clear()
  }
  release() {
    this.inner.release()
  }
}

/**
 * A MemoryEngine where chosen methods fail, either by throwing synchronously or by rejecting: the two
 * ways an engine can fail.
 */
export function failingEngine(
  failing: Method[],
  how: 'throw' | 'reject' = 'reject'
): SessionEngine & { inner: MemoryEngine } {
  const inner = new MemoryEngine()
  const fail = (method: Method) => {
    const error = new Error(`store unreachable during ${method}`)
    if (how === 'throw') throw error
    return Promise.reject(error)
  }
  const pick =
    <A extends unknown[], R>(method: Method, real: (...args: A) => R) =>
    (...args: A): R | Promise<never> =>
      failing.includes(method) ? fail(method) : real(...args)
  return {
    inner,
    get: pick('get', (token: string) => inner.get(token)),
    set: pick('set', (token: string, category: string, subject: EngineSubject) => inner.set(token, category, subject)),
    getAll: pick('getAll', (category: string) => inner.getAll(category)),
    delete: pick('delete', (token: string) => inner.delete(token)),
    update: pick('update', (token: string, category: string, subject: EngineSubject) =>
      inner.update(token, category, subject)
    ),
    deleteAll: pick('deleteAll', (category: string, keep?: string) => inner.deleteAll(category, keep)),
    clear: pick('clear', () => inner.clear())
  }
}

/** A barrier a test opens by hand: to hold one engine call while another runs (deterministic interleavings). */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait, open }
}

/**
 * A `createEngine` for the shipped conformance suite that hands out two engines on one store in turn:
 * its cases with two app instances then get one each (two connections, as two processes would have)
 * without a new connection per case. `make` is called at most twice.
 */
export function twoInTurn<E extends SessionEngine>(make: () => E): () => E {
  const made: E[] = []
  let next = 0
  return () => {
    const slot = next
    next = 1 - next
    return (made[slot] ??= make())
  }
}
