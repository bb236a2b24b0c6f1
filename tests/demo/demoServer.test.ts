import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const ROOT = join(__dirname, '../..')
const START_SCRIPT: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start

/** Resolves with everything printed so far once `pattern` appears; rejects if the process ends first. */
function printed(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (pattern.test(output)) resolve(output)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}:\n${output}`)))
  })
}

describe('npm start', () => {
  let child: ChildProcess | undefined

  afterEach(() => {
    // Only if the test failed midway: never leave a server behind.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  })

  it('serves the demo with the memory engine, prints its URL and the demo users, and stops on SIGTERM', async () => {
    // The start script's own command, run as npm runs it (with node_modules/.bin on the PATH), minus npm:
    // npm does not pass a SIGTERM on to the script, and the test must see how the server itself exits.
    const PATH = [join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(delimiter)
    const [command, ...args] = START_SCRIPT.split(' ')
    child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PATH, PORT: '0', REDIS_URL: '' } })
    const output = await printed(child, /Press Ctrl-C to stop\./)

    const url = /express-session-registry demo: (http:\/\/localhost:(\d+))/.exec(output)
    expect(url).not.toBeNull()
    expect(output).toContain('Sign in as alice or bob, password correct-horse.')
    expect(output).toContain('Sessions are kept in memory')

    const port = url![2]
    const login = await fetch(`http://127.0.0.1:${port}/login`)
    expect(login.status).toBe(200)
    expect(await login.text()).toContain('<form method="post" action="/login">')

    const exitCode = new Promise((resolve) => child!.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exitCode).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/login`)).rejects.toThrow()
  })
})
