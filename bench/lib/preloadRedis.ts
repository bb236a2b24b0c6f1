// Fills the harness's redis-server with sessions, each library's through its own code.
import { RedisEngine } from 'express-session-registry/redis'
import { fromBench } from './deps'
import {
  type Layout,
  expressSessionData,
  expressSessionId,
  RAW_PREFIX,
  randomHash,
  REDIS_DATABASES,
  registrySubject,
  SESSION_LIFETIME_MS
} from './fixtures'

interface RedisClient {
  connect(): Promise<unknown>
  quit(): Promise<unknown>
  multi(): { set(key: string, value: string, options: { PX: number }): unknown; execAsPipeline(): Promise<unknown> }
  on(event: 'error', listener: (error: Error) => void): unknown
}

interface ConnectRedisStore {
  set(id: string, data: Record<string, unknown>): Promise<unknown>
}

// Sessions written concurrently: node-redis pipelines the commands of one batch into few socket writes.
const BATCH = 2_000

function client(port: number, database: number): RedisClient {
  const { createClient } = fromBench<{ createClient(options: object): RedisClient }>('redis')
  const redis = createClient({ socket: { host: '127.0.0.1', port }, database })
  redis.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
  return redis
}

async function inBatches(from: number, count: number, write: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = from; start < from + count; start += BATCH) {
    const writes: Promise<unknown>[] = []
    for (let index = start; index < Math.min(start + BATCH, from + count); index++) writes.push(write(index))
    await Promise.all(writes)
  }
}

/** Loads sessions of one layout, through the library that owns it. */
async function load(layout: Layout, port: number, from: number, count: number): Promise<void> {
  const now = Date.now()
  if (layout === 'registry') {
    // Through RedisEngine's own set(), so the keys, values, index and TTLs are exactly what a login writes.
    // No per-command deadline: a whole batch is queued at once, and its last command waits for the others.
    const engine = new RedisEngine({ host: '127.0.0.1', port, commandTimeout: Infinity })
    await engine.prepare()
    await inBatches(from, count, async (index) => {
      const subject = registrySubject(index, now)
      await engine.set(randomHash(), `auth-${subject.userId}`, subject)
    })
    await engine.release()
    return
  }
  const redis = client(port, REDIS_DATABASES[layout])
  await redis.connect()
  if (layout === 'connect-redis') {
    const { RedisStore } = fromBench<{ RedisStore: new (options: { client: RedisClient }) => ConnectRedisStore }>(
      'connect-redis'
    )
    const store = new RedisStore({ client: redis })
    await inBatches(from, count, (index) => store.set(expressSessionId(), expressSessionData(index, now)))
  } else {
    // Our own plain layout: the same value bytes as one of our entries, under a plain key, one pipeline per batch.
    for (let start = from; start < from + count; start += BATCH) {
      const pipeline = redis.multi()
      for (let index = start; index < Math.min(start + BATCH, from + count); index++) {
        const subject = registrySubject(index, now)
        pipeline.set(RAW_PREFIX + randomHash(), JSON.stringify([`auth-${subject.userId}`, subject]), {
          PX: SESSION_LIFETIME_MS
        })
      }
      await pipeline.execAsPipeline()
    }
  }
  await redis.quit()
}

/** Stores `count` sessions of each layout, each through the code of the library that reads it. */
export async function preloadRedis(port: number, layouts: readonly Layout[], count: number): Promise<void> {
  for (const layout of layouts) await load(layout, port, 0, count)
}
