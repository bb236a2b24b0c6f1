import cluster from 'node:cluster'

/** The code of the warning emitted when the memory engine serves a process that looks like one of several. */
export const MEMORY_ENGINE_WARNING_CODE = 'ESR_MEMORY_ENGINE_PROCESSES'

let warned = false

/**
 * Why this process looks like one of several (a cluster worker, a pm2 instance, a production
 * deployment), or `undefined`.
 */
export function severalProcessesSign(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (cluster.isWorker) return 'it is a cluster worker'
  if (env.NODE_APP_INSTANCE !== undefined) return `NODE_APP_INSTANCE is set (pm2 instance ${env.NODE_APP_INSTANCE})`
  if (env.NODE_ENV === 'production') return 'NODE_ENV is production'
  return undefined
}

/**
 * Warns, once per process, that sessions kept in this process are invisible to the others: a user logged
 * in on one is signed out on the next, and a log out on one leaves the session alive on the others.
 */
export function warnIfOneOfSeveral(): void {
  if (warned) return
  const sign = severalProcessesSign()
  if (sign === undefined) return
  warned = true
  process.emitWarning(
    `MemoryEngine keeps sessions in this process, and ${sign}: other processes of the app will not see them. ` +
      'Use a RedisEngine, a PostgresEngine or a SqliteEngine (one file shared by the processes of one machine).',
    { type: 'SessionEngineWarning', code: MEMORY_ENGINE_WARNING_CODE }
  )
}
