// Express 4, for the original package (its peer dependency is express@^4.18): its rows against an
// Express 4 floor, and ours on the same Express 4.
import { noopMiddlewareApp, noSessionApp } from '../apps/floors'
import { oursApp } from '../apps/ours'
import { originalApp } from '../apps/original'
import type { ScenarioGroup } from '../lib/scenario'

/** The Express 4 group. */
export const express4Group: ScenarioGroup = {
  id: 'express4',
  needs: [],
  apps: {
    'none-e4': { label: 'no session, Express 4', create: () => noSessionApp(4) },
    'noop-e4': { label: 'do-nothing middleware, Express 4', create: () => noopMiddlewareApp(4) },
    'ours-memory-e4': {
      label: 'ours, MemoryEngine, Bearer, Express 4',
      create: (services) => oursApp({ engine: 'memory', credential: 'bearer', express: 4 }, services)
    },
    original: { label: '@universal-packages/express-session, Express 4', create: () => originalApp() }
  },
  summary: [
    { engine: 'memory, Express 4 (floor: do-nothing middleware)', library: 'ours, Bearer', floor: 'memory-e4' },
    {
      engine: 'memory, Express 4 (floor: do-nothing middleware)',
      library: '@universal-packages/express-session',
      floor: 'original',
      versus: 'memory-vs-original'
    }
  ],
  pairs: [
    {
      id: 'floor-e4',
      kind: 'read',
      label: 'Express 4: do-nothing middleware vs no session',
      baseline: 'none-e4',
      candidate: 'noop-e4',
      fullModeOnly: true
    },
    {
      id: 'memory-e4',
      kind: 'read',
      label: 'Express 4: ours MemoryEngine vs the do-nothing middleware',
      baseline: 'noop-e4',
      candidate: 'ours-memory-e4'
    },
    {
      id: 'original',
      kind: 'read',
      label: 'Express 4: the original package vs the do-nothing middleware',
      baseline: 'noop-e4',
      candidate: 'original'
    },
    {
      id: 'memory-vs-original',
      kind: 'read',
      label: 'Express 4: ours MemoryEngine vs the original package',
      baseline: 'original',
      candidate: 'ours-memory-e4'
    }
  ]
}
