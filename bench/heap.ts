// Heap bytes per session of an in-process store: run with --expose-gc by the harness, one store per process.
import { MemoryEngine } from 'express-session-registry'
import { fromBench } from './lib/deps'
import { expressSessionData, expressSessionId, preloadOriginal, randomHash, registrySubject } from './lib/fixtures'

/** The stores measured, by name. */
export const HEAP_STORES = ['registry', 'original', 'express-session'] as const
export type HeapStore = (typeof HEAP_STORES)[number]

/** What the process reports. */
export interface HeapReport {
  type: 'heap'
  store: HeapStore
  sessions: number
  bytesPerSession: number
}

type Filler = (count: number) => unknown

function fillers(): Record<HeapStore, Filler> {
  return {
    registry(count) {
      const engine = new MemoryEngine()
      const now = Date.now()
      for (let index = 0; index < count; index++) {
        const subject = registrySubject(index, now)
        engine.set(randomHash(), `auth-${subject.userId}`, subject)
      }
      engine.release()
      return engine
    },
    original(count) {
      const { default: Engine } = fromBench<{
        default: new () => { set(token: string, category: string, subject: object): void }
      }>('@universal-packages/token-registry/MemoryEngine')
      const engine = new Engine()
      preloadOriginal(engine, count, Date.now())
      return engine
    },
    'express-session'(count) {
      const { MemoryStore } = fromBench<{
        MemoryStore: new () => { set(id: string, data: object): void }
      }>('express-session')
      const store = new MemoryStore()
      const now = Date.now()
      for (let index = 0; index < count; index++) store.set(expressSessionId(), expressSessionData(index, now))
      return store
    }
  }
}

function heapUsed(): number {
  const { gc } = globalThis as { gc?: () => void }
  if (!gc) throw new Error('run with --expose-gc')
  // Twice: the first pass can leave garbage that finalisers or weak references freed only during it.
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const store = process.env.BENCH_HEAP_STORE as HeapStore
const sessions = Number(process.env.BENCH_HEAP_SESSIONS ?? 100_000)
const fill = fillers()[store]
if (!fill) throw new Error(`unknown BENCH_HEAP_STORE ${store}`)
const keep: unknown[] = []
const before = heapUsed()
keep.push(fill(sessions))
const after = heapUsed()
const report: HeapReport = { type: 'heap', store, sessions, bytesPerSession: (after - before) / sessions }
process.send?.(report, () => process.disconnect())
