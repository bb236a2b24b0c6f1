import type { SessionEngine } from '../engine'

/** A test body of the suite, given the engine under test (prepared and empty). */
export type EngineTest = (engine: SessionEngine) => Promise<void>

/** Any runner's `describe`: jest's, vitest's or `node:test`'s. */
export type DescribeFunction = (name: string, body: () => void) => unknown
/** Any runner's `it` (or `test`): the body returns a promise the runner waits for. */
export type ItFunction = (name: string, body: () => Promise<void>) => unknown
/** Any runner's `beforeEach` / `afterEach`. */
export type HookFunction = (body: () => Promise<void>) => unknown

/** What `engineConformance` needs: the engine to test and the test runner's own functions. */
export interface EngineConformanceOptions {
  /** Names the suite's top `describe` block, e.g. `'SqliteEngine'`. */
  name: string
  /**
   * Returns the engine for one test: a new one, or the same one every time. The suite then calls its
   * `prepare()` (when it has one) and `clear()`, so entries of an earlier test never show. The cases
   * where the features meet call it once more: when that engine sees what the first one wrote (one
   * Redis, database or file behind both), their second instance runs on it, as a second app process
   * would; otherwise (a MemoryEngine each) it is closed at once and both instances share the first.
   */
  createEngine: () => SessionEngine | Promise<SessionEngine>
  /** Called after each test with the engine `createEngine` returned (e.g. to `release()` it). */
  closeEngine?: (engine: SessionEngine) => void | Promise<void>
  /** The runner's `describe`. */
  describe: DescribeFunction
  /** The runner's `it` or `test`. */
  it: ItFunction
  /** The runner's `beforeEach`: when given, the engine is created there, so a failing setup shows as one. */
  beforeEach?: HookFunction
  /** The runner's `afterEach`: when given, `closeEngine` runs there. */
  afterEach?: HookFunction
  /**
   * Rounds of the cases where the features meet (two `session()` instances on the engine, one tracking
   * and renewing while the other writes): the data case runs this many set-and-remove rounds, the
   * log-out and cap cases a tenth of it (at least 2). Lower it for a slow engine; a whole number, 1 or more.
   * @default 100
   */
  featureRounds?: number
}

/** The runner as the suite's case files see it: `test` hands each body a ready engine. */
export interface ConformanceRunner {
  describe: (name: string, body: () => void) => void
  test: (name: string, body: EngineTest) => void
  /** One more engine from the caller's `createEngine`, prepared but not cleared (for the cases that need two). */
  anotherEngine: () => Promise<SessionEngine>
  /** Closes an engine `anotherEngine` gave, with the caller's `closeEngine` (when there is one). */
  closeEngine: (engine: SessionEngine) => Promise<void>
  /** {@link EngineConformanceOptions.featureRounds}, checked. */
  featureRounds: number
}
