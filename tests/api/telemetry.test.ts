import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { MetricData } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import express from 'express'
import request from 'supertest'
import { authenticateRequest, MemoryEngine, requireRecentLogin, session } from '../../src'
import { bearer, createApp, logIn } from '../support/app'
import { failingEngine } from '../support/engines'
import { inMemoryMetrics } from '../support/metrics'

const { meterProvider, collected } = inMemoryMetrics()
const spanExporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })

beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider)
  trace.setGlobalTracerProvider(tracerProvider)
})

afterAll(async () => {
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
  metrics.disable()
  trace.disable()
})

beforeEach(() => {
  spanExporter.reset()
})

/** The sum of the data points of a counter (or the count of a histogram) matching `attributes`. */
function total(metric: MetricData | undefined, attributes: Record<string, string>): number {
  let sum = 0
  for (const point of metric?.dataPoints ?? []) {
    if (!Object.entries(attributes).every(([key, value]) => point.attributes[key] === value)) continue
    const value = point.value
    sum += typeof value === 'number' ? value : value.count
  }
  return sum
}

describe('OpenTelemetry', () => {
  describe('through an app on the memory engine', () => {
    it('counts sessions created and ended, and times each engine call', async () => {
      const before = await collected()
      const createdBefore = total(before.get('express_session_registry.sessions.created'), {})
      const endedBefore = total(before.get('express_session_registry.sessions.ended'), {})
      const app = createApp(express, { engine: new MemoryEngine() })
      const token = await logIn(app, 'ada')
      await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
      await request(app).post('/logout').set('Authorization', bearer(token))

      const after = await collected()
      expect(total(after.get('express_session_registry.sessions.created'), {}) - createdBefore).toBe(1)
      expect(total(after.get('express_session_registry.sessions.ended'), { reason: 'logOut' })).toBeGreaterThan(0)
      expect(total(after.get('express_session_registry.sessions.ended'), {}) - endedBefore).toBe(1)
      const duration = after.get('express_session_registry.engine.duration')
      expect(duration?.descriptor.unit).toBe('s')
      expect(total(duration, { 'session.engine.operation': 'store the session', outcome: 'ok' })).toBeGreaterThan(0)
      expect(total(duration, { 'session.engine.operation': 'read the session', outcome: 'ok' })).toBeGreaterThan(0)
    })

    it('ends a client span per engine call, named after the operation', async () => {
      const app = createApp(express, { engine: new MemoryEngine() })
      await logIn(app, 'grace')
      const spans = spanExporter.getFinishedSpans()
      const stored = spans.find((span) => span.name === 'session engine store the session')
      expect(stored?.instrumentationScope.name).toBe('express-session-registry')
      expect(stored?.kind).toBe(SpanKind.CLIENT)
      expect(stored?.attributes['session.engine.operation']).toBe('store the session')
      expect(stored?.status.code).not.toBe(SpanStatusCode.ERROR)
    })
  })

  describe('with an engine whose reads fail', () => {
    it('counts the error and marks the span failed, without the token', async () => {
      const errorsBefore = total((await collected()).get('express_session_registry.engine.errors'), {})
      const token = 'x'.repeat(43)
      const app = express()
      app.use(session({ engine: failingEngine(['get']) }))
      app.get('/', (_request, response) => response.end())
      app.use((_error: unknown, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
        response.status(503).end()
      })
      await request(app).get('/').set('Authorization', bearer(token)).expect(503)

      const errors = (await collected()).get('express_session_registry.engine.errors')
      expect(total(errors, { 'session.engine.operation': 'read the session' }) - errorsBefore).toBe(1)
      const failed = spanExporter.getFinishedSpans().find((span) => span.name === 'session engine read the session')
      expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store unreachable during get' })
      expect(JSON.stringify(failed?.attributes)).not.toContain(token)
    })
  })
})

describe("a guard's 401", () => {
  const app = express()
  app.use(session({ engine: new MemoryEngine() }))
  app.get('/me', authenticateRequest, (_request, response) => response.end())
  app.get('/password', requireRecentLogin(60_000), (_request, response) => response.end())

  it.each(['/me', '/password'])('names the Bearer scheme on %s', async (path) => {
    const response = await request(app).get(path).expect(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
  })
})
