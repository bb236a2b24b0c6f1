import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const ROOT = join(__dirname, '../..')
const PATH = [join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(delimiter)

interface Demo {
  child: ChildProcess
  base: string
  output: string
}

/** Starts the demo as `npm start` does, on a free port, keeping its sessions in `file`. */
function startDemo(file: string): Promise<Demo> {
  const child = spawn('tsx', ['examples/demo/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PATH, PORT: '0', REDIS_URL: '', SQLITE_FILE: file }
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const url = /demo: http:\/\/localhost:(\d+)[\s\S]*Press Ctrl-C/.exec(output)
      if (url) resolve({ child, base: `http://127.0.0.1:${url[1]}`, output })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)))
  })
}

async function stopDemo(demo: Demo): Promise<void> {
  if (demo.child.exitCode !== null) return
  const exited = new Promise((resolve) => demo.child.once('exit', resolve))
  demo.child.kill('SIGTERM')
  await exited
}

describe('the demo with SQLITE_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esr-sqlite-demo-'))
  const running: Demo[] = []
  afterAll(async () => {
    await Promise.all(running.map(stopDemo))
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps a signed-in session across a restart on the same file', async () => {
    const file = join(dir, 'sessions.db')
    const first = await startDemo(file)
    running.push(first)
    expect(first.output).toContain(`Sessions are kept in SQLite at ${file}`)
    const login = await fetch(`${first.base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'correct-horse' })
    })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    await stopDemo(first)

    const second = await startDemo(file)
    running.push(second)
    const me = await fetch(`${second.base}/api/me`, { headers: { Authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ user: { username: 'alice' } })
  })
})
