// The heap a RedisEngine localCache takes: sessions stored in Redis, every one read once through an
// engine with localCache, heap measured after full collections before and after. Run with --expose-gc.
import { RedisEngine } from 'express-session-registry/redis'
import { randomHash, registrySubject } from './lib/fixtures'

/** What the harness asks for. */
export interface CacheHeapJob {
  type: 'cache-heap'
  redisPort: number
  sessions: number
  maxEntries: number
}

/** Heap growth over reading `sessions` sessions once (after a first tenth, up to 1,000, read unmeasured), and the entries the cache kept. */
export interface CacheHeapReport {
  type: 'cache-heap'
  sessions: number
  maxEntries: number
  heapGrowthBytes: number
  entriesKept: number
}

function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  for (let pass = 0; pass < 3; pass++) gc()
  return process.memoryUsage().heapUsed
}

async function measure(job: CacheHeapJob): Promise<CacheHeapReport> {
  const identifier = `cache-heap-${job.maxEntries}`
  const writer = new RedisEngine({ host: '127.0.0.1', port: job.redisPort, identifier, commandTimeout: Infinity })
  await writer.prepare()
  const tokens: string[] = []
  const now = Date.now()
  for (let index = 0; index < job.sessions; index += 1_000) {
    const writes: Promise<void>[] = []
    for (let offset = index; offset < Math.min(index + 1_000, job.sessions); offset++) {
      const token = randomHash()
      tokens.push(token)
      const subject = registrySubject(offset, now)
      writes.push(writer.set(token, `auth-${subject.userId}`, subject))
    }
    await Promise.all(writes)
  }
  await writer.release()
  const reader = new RedisEngine({
    host: '127.0.0.1',
    port: job.redisPort,
    identifier,
    localCache: { maxEntries: job.maxEntries }
  })
  await reader.prepare()
  while (!reader.localCache!.tracking) await new Promise((resolve) => setTimeout(resolve, 10))
  // A first pass over a few sessions, so that what reading allocates once (compiled code, buffers of
  // the clients, the closed writer's leftovers) is collected or in the baseline, not in the growth.
  const warmup = Math.min(1_000, Math.floor(tokens.length / 10))
  const measured = tokens.slice(warmup)
  for (const token of tokens.slice(0, warmup)) await reader.get(token)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const before = settledHeap()
  for (const token of measured) {
    if (!(await reader.get(token))) throw new Error('a stored session was not found')
  }
  const heapGrowthBytes = settledHeap() - before
  const entriesKept = reader.localCache!.size
  await reader.clear()
  await reader.release()
  return { type: 'cache-heap', sessions: measured.length, maxEntries: job.maxEntries, heapGrowthBytes, entriesKept }
}

process.once('message', (job: CacheHeapJob) => {
  measure(job).then(
    (report) => {
      process.send?.(report)
      process.disconnect()
    },
    (error: unknown) => {
      process.stderr.write(`cache heap: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    }
  )
})
