import { once } from 'node:events'
import type { RedisClientOptions } from 'redis'
import { invalidOption } from '../../engine'
import type { NodeRedisClientOptions } from './optionNames'
import type { RedisClientLike } from './nodeRedis'

/** The client the engine creates, as far as it starts and stops it (node-redis v4 has no `close`/`destroy`). */
export interface OwnedClient extends RedisClientLike {
  readonly isReady: boolean
  on(event: 'error', listener: (error: Error) => void): unknown
  close?(): Promise<unknown>
  destroy?(): unknown
  quit(): Promise<unknown>
  disconnect(): Promise<unknown>
}

const CONNECT_TIMEOUT_MS = 1_000
const MAX_RECONNECT_DELAY_MS = 500
const URL_PROTOCOLS = new Set(['redis:', 'rediss:'])

/**
 * A node-redis client of the engine's own, set up to fail fast: `redis` is loaded here, on first use,
 * so an app that passes an ioredis client never needs it installed.
 */
export function createOwnClient(
  options: NodeRedisClientOptions,
  host: string | undefined,
  port: number | undefined
): OwnedClient {
  if (options.url !== undefined) checkUrl(options.url)
  // Loaded on demand: `redis` is an optional peer dependency, needed only when the engine creates the client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require('redis') as typeof import('redis')
  const client = createClient({
    ...(options as RedisClientOptions),
    // Without the offline queue a command sent while Redis is unreachable fails at once instead of
    // waiting, with the request, for a reconnection that may never come.
    disableOfflineQueue: options.disableOfflineQueue ?? true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
      ...options.socket
    } as RedisClientOptions['socket']
  }) as unknown as OwnedClient
  // Socket errors are reported through the commands that fail; unheard, they would crash the process.
  client.on('error', () => undefined)
  return client
}

function checkUrl(url: unknown): void {
  let parsed: URL | undefined
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined
  } catch {
    parsed = undefined
  }
  if (!parsed || !URL_PROTOCOLS.has(parsed.protocol) || parsed.hostname === '') {
    throw invalidOption(
      'url',
      url,
      'a Redis URL such as "redis://localhost:6379" or "rediss://user:password@host:6380/0"'
    )
  }
}

/** The client held by the global variable `name`, unchecked. */
export function globalValue(name: unknown): unknown {
  return typeof name === 'string' ? (globalThis as Record<string, unknown>)[name] : undefined
}

/**
 * Connects a client the engine created, unless it is open already. The first refusal fails the call
 * with the client's error; the client keeps retrying on its own in the background.
 */
export async function connectOwnClient(client: OwnedClient): Promise<void> {
  if (client.isOpen) return
  const connected = client.connect()
  connected.catch(() => undefined)
  const abort = new AbortController()
  const refused = once(client as OwnedClient & NodeJS.EventEmitter, 'error', { signal: abort.signal }).then(
    ([error]: unknown[]) => Promise.reject(error)
  )
  await Promise.race([connected, refused]).finally(() => abort.abort())
}
