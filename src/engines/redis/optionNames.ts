// node-redis `createClient` options, v4 to the current major (`legacyMode` and `isolationPoolOptions` are v4's):
// the engine passes them on to the client it creates, which ignores what it does not know.

/** The names of node-redis `createClient` options. */
export const NODE_REDIS_CLIENT_OPTIONS = [
  'url',
  'socket',
  'username',
  'password',
  'credentialsProvider',
  'name',
  'database',
  'modules',
  'scripts',
  'functions',
  'keyPrefix',
  'commandsQueueMaxLength',
  'disableOfflineQueue',
  'readonly',
  'pingInterval',
  'disableClientInfo',
  'clientInfoTag',
  'clientSideCache',
  'commandOptions',
  'emitInvalidate',
  'himportRegistry',
  'maintEndpointType',
  'maintNotifications',
  'maintRelaxedCommandTimeout',
  'maintRelaxedSocketTimeout',
  'RESP',
  'legacyMode',
  'isolationPoolOptions'
] as const

/** Socket options of the node-redis client the engine creates; the ones not named here pass through as given. */
export interface NodeRedisSocketOptions {
  /** @default 'localhost' */
  host?: string
  /** @default 6379 */
  port?: number
  /** Connect over TLS. @default false */
  tls?: boolean
  /** Milliseconds a connection attempt may take. @default 1_000 */
  connectTimeout?: number
  /** Milliseconds to wait before the next reconnection attempt, `false` to stop, or an error to fail with. */
  reconnectStrategy?: number | false | ((retries: number, cause: Error) => number | false | Error)
  [option: string]: unknown
}

/**
 * node-redis `createClient` options, passed on to the client the engine creates. Typed by shape rather
 * than imported from `redis`, so this package's declarations compile in an app that has only ioredis.
 */
export interface NodeRedisClientOptions extends Partial<Record<(typeof NODE_REDIS_CLIENT_OPTIONS)[number], unknown>> {
  /** `redis[s]://[[username][:password]@][host][:port][/database]`. */
  url?: string
  socket?: NodeRedisSocketOptions
  username?: string
  password?: string
  /** The client name (`CLIENT SETNAME`). */
  name?: string
  database?: number
  /** node-redis's own default is `false`; the engine's client fails commands at once while disconnected. @default true */
  disableOfflineQueue?: boolean
  /** Milliseconds between PINGs that keep an idle connection open. */
  pingInterval?: number
  /** The protocol version. @default 2 */
  RESP?: 2 | 3
}
