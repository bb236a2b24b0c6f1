// Compile-time tests of the Redis entry's types: every client family is accepted as `client`.
import IoRedis, { Cluster } from 'ioredis'
import IoValkey from 'iovalkey'
import { createClient, createCluster, createSentinel } from 'redis'
import { RedisEngine, type RedisEngineOptions } from 'express-session-registry/redis'

new RedisEngine({ client: createClient() })
new RedisEngine({ client: createCluster({ rootNodes: [] }) })
new RedisEngine({ client: createSentinel({ name: 'sessions', sentinelRootNodes: [] }) })
new RedisEngine({ client: new IoRedis({ lazyConnect: true }) })
new RedisEngine({ client: new IoRedis({ sentinels: [{ host: 'localhost', port: 26379 }], name: 'sessions' }) })
new RedisEngine({ client: new Cluster([{ host: 'localhost', port: 7000 }]) })
new RedisEngine({ client: new IoValkey() })
new RedisEngine({ url: 'redis://localhost:6379', replicas: 1, replicaTimeout: 200, allowEviction: false })

const options: RedisEngineOptions = { commandTimeout: 500 }
new RedisEngine(options)

// @ts-expect-error: a plain object is no client
new RedisEngine({ client: { get: () => null } })
// @ts-expect-error: replicas is a count
new RedisEngine({ replicas: 'all' })
