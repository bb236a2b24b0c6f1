// In the process's memory, on Express 5: the floors, ours over Bearer and over the cookie,
// express-session with its MemoryStore, better-auth on its memory adapter; log in and log out.
import { betterAuthApp } from '../apps/betterAuth'
import { expressSessionApp } from '../apps/expressSession'
import { noopMiddlewareApp, noSessionApp } from '../apps/floors'
import { oursApp } from '../apps/ours'
import type { ScenarioGroup } from '../lib/scenario'

/** The memory group. */
export const memoryGroup: ScenarioGroup = {
  id: 'memory',
  needs: [],
  apps: {
    none: { label: 'no session', create: () => noSessionApp(5) },
    noop: { label: 'do-nothing middleware', create: () => noopMiddlewareApp(5) },
    'ours-memory': {
      label: 'ours, MemoryEngine, Bearer',
      create: (services) => oursApp({ engine: 'memory', credential: 'bearer' }, services)
    },
    'ours-memory-cookie': {
      label: 'ours, MemoryEngine, cookie',
      create: (services) => oursApp({ engine: 'memory', credential: 'cookie' }, services)
    },
    'ours-require-session': {
      label: 'ours, MemoryEngine, Bearer, requireSession() alone',
      create: (services) => oursApp({ engine: 'memory', credential: 'bearer', guard: 'requireSession' }, services)
    },
    'express-session-memory': {
      label: 'express-session + MemoryStore',
      create: (services) => expressSessionApp('memory', services)
    },
    'better-auth': { label: 'better-auth getSession (memory adapter)', create: () => betterAuthApp() }
  },
  summary: [
    { engine: 'memory (floor: do-nothing middleware)', library: 'ours, Bearer', floor: 'memory-bearer' },
    { engine: 'memory (floor: do-nothing middleware)', library: 'ours, cookie', floor: 'memory-cookie' },
    {
      engine: 'memory (floor: no session)',
      library: 'ours, `requireSession()` alone, Bearer',
      floor: 'require-session'
    },
    {
      engine: 'memory (floor: do-nothing middleware)',
      library: 'express-session + MemoryStore',
      floor: 'express-session-memory',
      versus: 'memory-vs-express-session'
    },
    {
      engine: 'memory (floor: do-nothing middleware)',
      library: 'better-auth getSession',
      floor: 'better-auth',
      versus: 'memory-vs-better-auth'
    }
  ],
  pairs: [
    { id: 'floor', kind: 'read', label: 'do-nothing middleware vs no session', baseline: 'none', candidate: 'noop' },
    {
      id: 'memory-bearer',
      kind: 'read',
      label: 'ours MemoryEngine, Bearer, vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'ours-memory',
      target: 0.97
    },
    {
      id: 'memory-cookie',
      kind: 'read',
      label: 'ours MemoryEngine, cookie, vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'ours-memory-cookie',
      target: 0.97
    },
    {
      id: 'require-session',
      kind: 'read',
      label: 'ours MemoryEngine, requireSession() alone on the route, Bearer, vs no session',
      baseline: 'none',
      candidate: 'ours-require-session',
      target: 0.95
    },
    {
      id: 'cookie-vs-bearer',
      kind: 'read',
      label: 'ours MemoryEngine: the cookie vs Bearer',
      baseline: 'ours-memory',
      candidate: 'ours-memory-cookie'
    },
    {
      id: 'require-session-vs-guard',
      kind: 'read',
      label: 'ours MemoryEngine, Bearer: requireSession() alone vs session() + authenticateRequest',
      baseline: 'ours-memory',
      candidate: 'ours-require-session'
    },
    {
      id: 'memory-bearer-none',
      kind: 'read',
      label: 'ours MemoryEngine, Bearer, vs no session',
      baseline: 'none',
      candidate: 'ours-memory',
      fullModeOnly: true
    },
    {
      id: 'express-session-memory',
      kind: 'read',
      label: 'express-session + MemoryStore vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'express-session-memory'
    },
    {
      id: 'memory-vs-express-session',
      kind: 'read',
      label: 'ours MemoryEngine, cookie, vs express-session + MemoryStore',
      baseline: 'express-session-memory',
      candidate: 'ours-memory-cookie',
      target: 3
    },
    {
      id: 'better-auth',
      kind: 'read',
      label: 'better-auth getSession vs the do-nothing middleware',
      baseline: 'noop',
      candidate: 'better-auth'
    },
    {
      id: 'memory-vs-better-auth',
      kind: 'read',
      label: 'ours MemoryEngine, cookie, vs better-auth getSession',
      baseline: 'better-auth',
      candidate: 'ours-memory-cookie'
    },
    { id: 'login', kind: 'login', label: 'log in: ours vs no session', baseline: 'none', candidate: 'ours-memory' },
    {
      id: 'login-express-session',
      kind: 'login',
      label: 'log in: express-session regenerate + save vs no session',
      baseline: 'none',
      candidate: 'express-session-memory'
    },
    { id: 'logout', kind: 'logout', label: 'log out: ours vs no session', baseline: 'none', candidate: 'ours-memory' },
    {
      id: 'logout-express-session',
      kind: 'logout',
      label: 'log out: express-session destroy vs no session',
      baseline: 'none',
      candidate: 'express-session-memory'
    }
  ]
}
