// Every scenario group of `npm run bench`, in report order. An engine adds its group here: its apps
// (built by id in the measuring process), its pairs, the services it needs and its preload.
import type { AppDefinition, PairSpec, ScenarioGroup } from '../lib/scenario'
import { express4Group } from './express4'
import { memoryGroup } from './memory'
import { postgresGroup } from './postgres'
import { redisGroup } from './redis'

/** The registered groups. */
export const GROUPS: readonly ScenarioGroup[] = [memoryGroup, express4Group, redisGroup, postgresGroup]

/** An app by id, from any group (a group's pairs may use another's floors). */
export function findApp(id: string): AppDefinition {
  for (const group of GROUPS) {
    const app = group.apps[id]
    if (app) return app
  }
  throw new Error(`no bench app "${id}"`)
}

/** Every pair with the group it belongs to. */
export function allPairs(): { group: ScenarioGroup; pair: PairSpec }[] {
  return GROUPS.flatMap((group) => group.pairs.map((pair) => ({ group, pair })))
}
