import { fork, type ChildProcess } from 'node:child_process'
import { ROOT_DIR } from './deps'

const children = new Set<ChildProcess>()

/** Ends every process the harness started and has not stopped yet (on exit, failure or Ctrl-C). */
export function stopAll(): void {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}

process.on('exit', stopAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll()
    process.exit(130)
  })
}

/** Remembers a child so that {@link stopAll} ends it. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/**
 * Runs a TypeScript file of the harness in a Node process of its own, with an IPC channel. tsx compiles
 * it on load and maps `express-session-registry` to src/ through tsconfig paths, so the library runs
 * from source: no build step, and the Redis entry is found as soon as src/redis.ts exists.
 */
export function forkTs(file: string, env: Record<string, string> = {}, nodeOptions: string[] = []): ChildProcess {
  return track(
    fork(file, [], {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env },
      execArgv: [...nodeOptions, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
  )
}

/** The first IPC message of `child` whose `type` is `type`; rejects if the child exits first or after `timeoutMs`. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs: number
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs)
    const onMessage = (message: T): void => {
      if (message?.type === type) done(undefined, message)
    }
    const onExit = (code: number | null): void => done(new Error(`process exited (${code}) before "${type}"`))
    function done(error?: Error, message?: T): void {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(message as T)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Stops a child gently (SIGTERM, so a CPU profile gets written) and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
