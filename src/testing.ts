export { engineConformance } from './testing/index'
export { sessionSubject, tokenHash } from './testing/fixtures'
export type { DescribeFunction, EngineConformanceOptions, EngineTest, HookFunction, ItFunction } from './testing/types'
export type { EngineSubject, SessionEngine } from './engine'
