import { describeBulkDelete } from './bulk'
import { describeConcurrency } from './concurrency'
import { describeExpiry } from './expiry'
import { describeFeaturesMeet } from './featuresMeet'
import { describeHostileValues } from './hostileValues'
import { describePatch } from './patch'
import { describeRevocation } from './revocation'
import { conformanceRunner } from './runner'
import { describeStorage } from './storage'
import type { EngineConformanceOptions } from './types'
import { describeWrites } from './writes'

/**
 * Registers the engine contract's test suite with the caller's test runner: storage, the optional
 * atomic writes (`patch` among them), expiry and concurrent calls, then the features meeting over the
 * library's own core: two `session()` instances on the engine (on two engines from `createEngine` when
 * they share storage) writing data, device ids, log outs and log ins past the cap while the other tracks
 * access and renews, hostile values included. Runner-agnostic: it uses only the functions passed in and
 * `node:assert`, so it runs under jest, vitest and `node:test` alike.
 *
 * @example
 * import { describe, it } from 'node:test'
 * engineConformance({ name: 'MyEngine', createEngine: () => new MyEngine(), describe, it })
 */
export function engineConformance(options: EngineConformanceOptions): void {
  options.describe(`${options.name} (engine contract)`, () => {
    const runner = conformanceRunner(options)
    describeStorage(runner)
    describeWrites(runner)
    describeBulkDelete(runner)
    describePatch(runner)
    describeExpiry(runner)
    describeConcurrency(runner)
    describeFeaturesMeet(runner)
    describeRevocation(runner)
    describeHostileValues(runner)
  })
}
