// An OpenTelemetry meter provider whose metrics the tests read on demand, and the library's among them.
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData
} from '@opentelemetry/sdk-metrics'

/** A meter provider to register, and a way to read what the library's meter recorded on it. */
export interface InMemoryMetrics {
  readonly meterProvider: MeterProvider
  /** Every metric the library's meter (`express-session-registry`) has recorded so far, by name. */
  collected(): Promise<Map<string, MetricData>>
}

/** Cumulative metrics kept in memory, exported only when {@link InMemoryMetrics.collected} asks. */
export function inMemoryMetrics(): InMemoryMetrics {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  return {
    meterProvider: new MeterProvider({ readers: [reader] }),
    collected: async () => {
      exporter.reset()
      await reader.forceFlush()
      const byName = new Map<string, MetricData>()
      for (const { scopeMetrics } of exporter.getMetrics()) {
        for (const scope of scopeMetrics) {
          if (scope.scope.name !== 'express-session-registry') continue
          for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric)
        }
      }
      return byName
    }
  }
}
