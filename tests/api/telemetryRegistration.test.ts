import { createNoopMeter, metrics, ProxyTracerProvider, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import express from 'express'
import request from 'supertest'
import { MemoryEngine } from '../../src'
import { bearer, createApp, logIn } from '../support/app'
import { failingEngine } from '../support/engines'

// @opentelemetry/api installed, no SDK registered yet: what most apps that have the API as a transitive
// dependency look like. Its no-op spans and instruments still cost a call each, so none is made; once
// the app registers an SDK, later engine calls are traced and measured.
describe('OpenTelemetry before and after an app registers an SDK', () => {
  const app = createApp(express, { engine: new MemoryEngine() })
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
  const spanExporter = new InMemorySpanExporter()

  afterAll(() => {
    metrics.disable()
    trace.disable()
  })

  it('starts no no-op span and makes no no-op instrument while nothing is registered', async () => {
    const noopMeter = createNoopMeter()
    const histograms = jest.spyOn(noopMeter, 'createHistogram')
    const counters = jest.spyOn(noopMeter, 'createCounter')
    const tracers = jest.spyOn(ProxyTracerProvider.prototype, 'getTracer')
    try {
      const token = await logIn(app, 'ada')
      await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
      expect([histograms.mock.calls.length, counters.mock.calls.length, tracers.mock.calls.length]).toEqual([0, 0, 0])
    } finally {
      histograms.mockRestore()
      counters.mockRestore()
      tracers.mockRestore()
    }
  })

  it('traces, and makes no instrument, once only a tracer provider is registered', async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }))
    const histograms = jest.spyOn(createNoopMeter(), 'createHistogram')
    const failing = createApp(express, { engine: failingEngine(['get']) })
    try {
      const token = await logIn(app, 'ada')
      await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
      await request(failing).get('/me').set('Authorization', bearer(token)).expect(503)
      expect(histograms).not.toHaveBeenCalled()
    } finally {
      histograms.mockRestore()
    }
    const spans = spanExporter.getFinishedSpans()
    expect(spans.map((span) => span.name)).toContain('session engine read the session')
    expect(spans.filter((span) => span.status.code === SpanStatusCode.ERROR)).not.toHaveLength(0)
  })

  it('traces and measures the engine calls of the same middleware once an SDK is registered', async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
    spanExporter.reset()
    const token = await logIn(app, 'ada')
    await request(app).get('/me').set('Authorization', bearer(token)).expect(200)
    expect(spanExporter.getFinishedSpans().map((span) => span.name)).toContain('session engine read the session')
    await reader.forceFlush()
    const names = metricExporter
      .getMetrics()
      .flatMap(({ scopeMetrics }) => scopeMetrics)
      .filter(({ scope }) => scope.name === 'express-session-registry')
      .flatMap(({ metrics: recorded }) => recorded.map((metric) => metric.descriptor.name))
    expect(names).toEqual(
      expect.arrayContaining(['express_session_registry.engine.duration', 'express_session_registry.sessions.created'])
    )
  })
})
