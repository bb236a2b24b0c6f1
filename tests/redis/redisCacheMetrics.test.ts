import { metrics } from '@opentelemetry/api'
import type { MetricData } from '@opentelemetry/sdk-metrics'
import express from 'express'
import request from 'supertest'
import { session } from '../../src'
import { RedisEngine } from '../../src/redis'
import { bearer, createApp, logIn } from '../support/app'
import { inMemoryMetrics } from '../support/metrics'
import { describeWithRedis, eventually, RedisServer } from '../support/redisServer'

const HITS = 'express_session_registry.cache.hits'
const MISSES = 'express_session_registry.cache.misses'

describeWithRedis("OpenTelemetry counters of a RedisEngine's localCache", () => {
  const { meterProvider, collected } = inMemoryMetrics()
  let server: RedisServer
  const engines: RedisEngine[] = []

  /** The value of a counter's only data point, or `undefined` when it has none. */
  function valueOf(metric: MetricData | undefined): number | undefined {
    const [point, ...others] = metric?.dataPoints ?? []
    expect(others).toEqual([])
    return point === undefined ? undefined : (point.value as number)
  }

  /** An app on `engine`, ready, with a session logged in; its token. */
  async function loggedIn(engine: RedisEngine): Promise<{ app: express.Express; token: string }> {
    engines.push(engine)
    const middleware = session({ engine })
    const app = createApp(express, undefined, undefined, middleware)
    await middleware.ready()
    if (engine.localCache) await eventually(() => engine.localCache!.tracking)
    return { app, token: await logIn(app, 'ada') }
  }

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(meterProvider)
    server = await RedisServer.start()
  })

  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.release()))
    await server?.stop()
    await meterProvider.shutdown()
    metrics.disable()
  })

  // First: the counters sum every cache the process has seen, so this runs before any cache exists.
  it('reports no cache series for a RedisEngine without localCache', async () => {
    const { app, token } = await loggedIn(new RedisEngine({ port: server.port, identifier: 'plain' }))
    for (let read = 0; read < 3; read++) await request(app).get('/me').set('Authorization', bearer(token)).expect(200)

    const metricsNow = await collected()
    expect(metricsNow.has('express_session_registry.engine.duration')).toBe(true)
    expect(valueOf(metricsNow.get(HITS))).toBeUndefined()
    expect(valueOf(metricsNow.get(MISSES))).toBeUndefined()
  })

  /** The cache counters' values now. */
  async function counters(): Promise<{ hits: number | undefined; misses: number | undefined }> {
    const metricsNow = await collected()
    return { hits: valueOf(metricsNow.get(HITS)), misses: valueOf(metricsNow.get(MISSES)) }
  }

  // Measured from after the log in: `ready()`'s probe is a read too, and went to Redis (a miss).
  it('counts the first read of a session as a miss and the reads after it as hits', async () => {
    const engine = new RedisEngine({ port: server.port, identifier: 'cached', localCache: { maxEntries: 10 } })
    const { app, token } = await loggedIn(engine)
    const before = await counters()
    expect(before).toEqual(engine.cacheStatistics())
    const reads = 5
    for (let read = 0; read < reads; read++) {
      await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
    }

    expect(await counters()).toEqual({ hits: before.hits! + reads - 1, misses: before.misses! + 1 })
    expect(await counters()).toEqual(engine.cacheStatistics())
  })

  it('counts an engine once however many middlewares use it, and goes on counting', async () => {
    const engine = engines[engines.length - 1]
    const { app, token } = await loggedIn(engine)
    const before = await counters()
    await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
    await request(app).get('/me').set('Authorization', bearer(token)).expect(200)

    expect(await counters()).toEqual({ hits: before.hits! + 1, misses: before.misses! + 1 })
    expect(await counters()).toEqual(engine.cacheStatistics())
  })
})
