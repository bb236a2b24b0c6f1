import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { track } from './redisServer'

/** The repository root, for the `require()` paths of app sources. */
export const ROOT = join(__dirname, '..', '..')

/**
 * An app server in a process of its own, started from `source` (JavaScript that `require`s the library
 * from `ROOT` and prints `listening on <port>` once it serves), so that tests see what several app
 * instances sharing one store see.
 */
export class AppProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string
  ) {}

  /** Starts the app and resolves once it listens; rejects with its output if it exits first. */
  static async start(source: string): Promise<AppProcess> {
    // One process, no wrapper: tsx registers as a loader of this very node process.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', source], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit']
    })
    track(child)
    const port = await new Promise<string>((resolve, reject) => {
      let output = ''
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
        const match = /listening on (\d+)/.exec(output)
        if (match) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`app process exited with ${code}: ${output}`)))
    })
    return new AppProcess(child, `http://127.0.0.1:${port}`)
  }

  /** A request to this app. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, init)
  }

  /** Kills the app, as a crash would, and waits for it to be gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGKILL')
    await exited
  }
}
