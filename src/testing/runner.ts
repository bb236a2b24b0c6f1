import { invalidOption, type SessionEngine } from '../engine'
import type { ConformanceRunner, EngineConformanceOptions } from './types'

const DEFAULT_FEATURE_ROUNDS = 100

async function readyEngine(options: EngineConformanceOptions): Promise<SessionEngine> {
  const engine = await options.createEngine()
  await engine.prepare?.()
  await engine.clear()
  return engine
}

/**
 * Wraps the runner's functions so each case gets a prepared, empty engine: made in the runner's
 * `beforeEach` and closed in its `afterEach` when those are given, else around the test body itself,
 * so all a runner must offer is `describe` and `it`. Call it inside the suite's own `describe`, so the
 * hooks apply to its cases only.
 */
export function conformanceRunner(options: EngineConformanceOptions): ConformanceRunner {
  const { beforeEach, afterEach, closeEngine } = options
  const featureRounds = options.featureRounds ?? DEFAULT_FEATURE_ROUNDS
  if (!Number.isSafeInteger(featureRounds) || featureRounds < 1) {
    throw invalidOption('featureRounds', featureRounds, 'a whole number, 1 or more')
  }
  let current: SessionEngine | undefined
  beforeEach?.(async () => {
    current = await readyEngine(options)
  })
  afterEach?.(async () => {
    const engine = current
    current = undefined
    if (engine && closeEngine) await closeEngine(engine)
  })
  const run = async (body: (engine: SessionEngine) => Promise<void>): Promise<void> => {
    const engine = beforeEach ? current : await readyEngine(options)
    if (!engine) throw new Error(`${options.name}: beforeEach did not create the engine`)
    current = engine
    try {
      await body(engine)
    } finally {
      if (!afterEach) {
        current = undefined
        if (closeEngine) await closeEngine(engine)
      }
    }
  }
  return {
    describe: (name, body) => {
      options.describe(name, body)
    },
    test: (name, body) => {
      options.it(name, () => run(body))
    },
    anotherEngine: async () => {
      const engine = await options.createEngine()
      await engine.prepare?.()
      return engine
    },
    closeEngine: async (engine) => {
      if (closeEngine) await closeEngine(engine)
    },
    featureRounds
  }
}
