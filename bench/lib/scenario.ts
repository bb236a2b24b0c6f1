import type { IncomingMessage, ServerResponse } from 'node:http'

/** A request listener as Express builds it: an app, of Express 4 or 5. */
export type Listener = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void

/** A server a scenario needs, started once per run by the harness (tests/support's launchers). */
export type Service = 'redis' | 'postgres'

/** Where the services of this run listen. */
export interface Services {
  redisPort?: number
  postgresUrl?: string
}

/** How a client presents the credential that `POST /login` gave it. */
export type Credential = { kind: 'none' } | { kind: 'bearer' } | { kind: 'cookie'; name: string }

/**
 * One app of a comparison, built in the measuring process. Every app answers `GET /me` with 200 and the
 * user when the request carries its credential and 401 without it, `POST /login` with 200 and a new
 * credential, and `POST /logout` (with a credential) with 200.
 */
export interface BenchApp {
  app: Listener
  credential: Credential
  /** Frees what the app holds (clients, pools). */
  release(): Promise<void>
}

/** How to build one app, by its id in a scenario group. */
export interface AppDefinition {
  /** What the table calls it. */
  label: string
  create(services: Services): Promise<BenchApp>
}

/** What a pair sends: an authenticated read, a log in, or a log out of a session made just before (untimed). */
export type RequestKind = 'read' | 'login' | 'logout'

/** Two apps measured against each other, with the baseline's A/A beside the ratio. */
export interface PairSpec {
  /** Name used by `BENCH_PAIRS`. */
  id: string
  /** What the ratio says. */
  label: string
  kind: RequestKind
  /** App ids, in any registered group. */
  baseline: string
  candidate: string
  /** The smallest acceptable median ratio (candidate throughput over the baseline's), when there is one. */
  target?: number
  /** Left out of the quick mode (a cross-check, not a row of the summary or a target). */
  fullModeOnly?: boolean
}

/**
 * A group of scenarios: its apps, its pairs, the services it needs and what it stores in them before
 * its pairs run. New engines add a group (see scenarios/index.ts).
 */
export interface ScenarioGroup {
  id: string
  needs: readonly Service[]
  apps: Record<string, AppDefinition>
  pairs: readonly PairSpec[]
  /** This group's rows of the summary table: each library against its floor, and ours against it. */
  summary?: readonly SummaryRow[]
  /** Fills the services with the stored sessions this group's apps read past, before its pairs run. */
  preload?(
    services: Services,
    sessions: { redis: number; postgres: number },
    log: (line: string) => void
  ): Promise<void>
}

/** One row of the summary table a user reads first. */
export interface SummaryRow {
  /** Where the sessions are kept (and the Express major when it is not 5). */
  engine: string
  library: string
  /** The pair that puts the library against its floor. */
  floor: string
  /** The pair that puts ours against this library (baseline: the library), for a peer. */
  versus?: string
}
