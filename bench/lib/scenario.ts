import type { IncomingMessage, ServerResponse } from 'node:http'

/** A request listener as Express builds it: an app, of Express 4 or 5. */
export type Listener = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void

/**
 * What a scenario needs from the harness, set up once per run: a server (tests/support's launchers), a
 * scratch directory for SQLite's file, or a build of the library given in the environment
 * (`BENCH_BASELINE_DIST`) to compare the current one with.
 */
export type Service = 'redis' | 'postgres' | 'sqlite' | 'baseline'

/** Where the services of this run are. */
export interface Services {
  redisPort?: number
  postgresUrl?: string
  /** The SQLite database file the SQLite apps open (preloaded by its group). */
  sqliteFile?: string
  /** A built `dist/` of the library to measure as the baseline of the build pairs (`BENCH_BASELINE_DIST`). */
  baselineDist?: string
  /** The build measured against it (`BENCH_CANDIDATE_DIST`); absent: this checkout's source. */
  candidateDist?: string
}

/** How many sessions each engine's group stores before its pairs run. */
export interface StoredSessions {
  redis: number
  postgres: number
  sqlite: number
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

/**
 * What a pair sends: an authenticated read, a log in, or a log out of a session made just before
 * (untimed); or, for a per-change micro-benchmark, a call of one function (see {@link CallDefinition}).
 */
export type RequestKind = 'read' | 'login' | 'logout' | 'call'

/**
 * One side of a per-change micro-benchmark: a function the measuring process calls over and over on
 * fixed inputs, the way a request path used to do one step (the baseline) or does it now (the candidate).
 */
export interface CallDefinition {
  label: string
  /** Builds the call once; what the call returns is kept, so that it cannot be optimised away. */
  create(): () => unknown
}

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
  /** For a `call` pair: calls per unit of the batch, so that a batch of nanosecond calls spans milliseconds. */
  repeat?: number
}

/**
 * A group of scenarios: its apps, its pairs, the services it needs and what it stores in them before
 * its pairs run. New engines add a group (see scenarios/index.ts).
 */
export interface ScenarioGroup {
  id: string
  needs: readonly Service[]
  apps: Record<string, AppDefinition>
  /** The functions its `call` pairs compare, by id. */
  calls?: Record<string, CallDefinition>
  pairs: readonly PairSpec[]
  /** This group's rows of the summary table: each library against its floor, and ours against it. */
  summary?: readonly SummaryRow[]
  /**
   * Fills the services with the stored sessions this group's apps read past, before its pairs run; what
   * it resolves with goes to the report's notes. Run once per run even when two groups share it.
   */
  preload?(services: Services, sessions: StoredSessions, log: (line: string) => void): Promise<string[] | void>
  /** Left out of `all` unless its services were given (the build pairs run when `BENCH_BASELINE_DIST` is set). */
  onlyWhenGiven?: boolean
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
