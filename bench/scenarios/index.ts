// Every scenario group of `npm run bench`, in report order. An engine adds its group here: its apps
// (built by id in the measuring process), its pairs, the services it needs and its preload.
import type { AppDefinition, CallDefinition, PairSpec, ScenarioGroup } from '../lib/scenario'
import { buildGroup, buildRedisGroup } from './build'
import { changesGroup } from './changes'
import { express4Group } from './express4'
import { memoryGroup } from './memory'
import { postgresGroup } from './postgres'
import { redisGroup } from './redis'
import { sqliteGroup } from './sqlite'

/** The registered groups. */
export const GROUPS: readonly ScenarioGroup[] = [
  memoryGroup,
  express4Group,
  redisGroup,
  postgresGroup,
  sqliteGroup,
  buildGroup,
  buildRedisGroup,
  changesGroup
]

/** An app by id, from any group (a group's pairs may use another's floors). */
export function findApp(id: string): AppDefinition {
  for (const group of GROUPS) {
    const app = group.apps[id]
    if (app) return app
  }
  throw new Error(`no bench app "${id}"`)
}

/** A call of a per-change micro-benchmark by id, from any group. */
export function findCall(id: string): CallDefinition {
  for (const group of GROUPS) {
    const call = group.calls?.[id]
    if (call) return call
  }
  throw new Error(`no bench call "${id}"`)
}

/** Every pair with the group it belongs to. */
export function allPairs(): { group: ScenarioGroup; pair: PairSpec }[] {
  return GROUPS.flatMap((group) => group.pairs.map((pair) => ({ group, pair })))
}
