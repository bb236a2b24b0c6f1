// The shipped conformance suite (`express-session-registry/testing`) is runner-agnostic: a third-party
// engine written from the README passes it under jest, node:test and vitest, and a broken one fails it.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { engineConformance } from 'express-session-registry/testing'
import { MapEngine, MinimalMapEngine } from '../fixtures/thirdPartyEngine'

const ROOT = join(__dirname, '../..')
const FIXTURES = join(__dirname, '..', 'fixtures')

/** What a runner reported of one run of the suite. */
interface RunSummary {
  exitCode: number
  pass: number
  fail: number
  failures: string[]
}

/** Runs a runner's command line with `CONFORMANCE_ENGINE` set; resolves its exit code and standard output. */
async function runCommand(args: string[], engine: string): Promise<{ exitCode: number; stdout: string }> {
  const env = { ...process.env, CONFORMANCE_ENGINE: engine }
  return promisify(execFile)(process.execPath, args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 })
    .then(({ stdout }) => ({ exitCode: 0, stdout }))
    .catch((error: { code: number; stdout: string }) => ({ exitCode: error.code, stdout: error.stdout }))
}

/** Runs the node:test fixture on `engine` with node's own runner and reads its TAP summary. */
async function runUnderNodeTest(engine: string): Promise<RunSummary> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap', join(FIXTURES, 'conformance.node.mts')]
  const { exitCode, stdout } = await runCommand(args, engine)
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1] ?? NaN)
  const failures = [...stdout.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((match) => match[1])
  return { exitCode, pass: count('pass'), fail: count('fail'), failures }
}

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  testResults: { assertionResults: { title: string; status: string }[] }[]
}

/** Runs the vitest fixture on `engine` with vitest's own runner and reads its JSON report. */
async function runUnderVitest(engine: string): Promise<RunSummary> {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
  const args = [vitest, 'run', '--config', join(FIXTURES, 'vitest.config.mts'), '--reporter=json']
  const { exitCode, stdout } = await runCommand(args, engine)
  const report = JSON.parse(stdout) as VitestReport
  const failures = report.testResults
    .flatMap((file) => file.assertionResults)
    .filter((result) => result.status === 'failed')
    .map((result) => result.title)
  return { exitCode, pass: report.numPassedTests, fail: report.numFailedTests, failures }
}

/** How many cases the suite registers, counted with a runner made of plain functions. */
function registeredCases(): number {
  let cases = 0
  engineConformance({
    name: 'count',
    createEngine: () => new MapEngine(),
    describe: (_name, body) => body(),
    it: () => {
      cases += 1
    }
  })
  return cases
}

engineConformance({ name: 'a third-party MapEngine under jest', createEngine: () => new MapEngine(), describe, it })
engineConformance({
  name: 'an engine with the token-registry contract alone, under jest',
  createEngine: () => new MinimalMapEngine(),
  describe,
  it
})

describe.each([
  ['node:test', runUnderNodeTest],
  ['vitest', runUnderVitest]
])('the shipped suite under %s', (_runner, runUnder) => {
  it('passes a third-party engine that keeps the contract, every case run', async () => {
    const cases = registeredCases()
    expect(cases).toBeGreaterThan(25)
    expect(await runUnder('MapEngine')).toEqual({ exitCode: 0, pass: cases, fail: 0, failures: [] })
  })

  it('fails an engine whose update() revives a deleted entry', async () => {
    const run = await runUnder('RevivingMapEngine')
    expect(run.exitCode).not.toBe(0)
    expect(run.fail).toBeGreaterThan(0)
    expect(run.failures).toEqual(
      expect.arrayContaining([
        'never re-creates a deleted entry',
        'update() racing delete() never leaves the entry behind'
      ])
    )
    expect(run.pass + run.fail).toBe(registeredCases())
  })

  it('fails an engine whose patch() writes back a stale copy, where two instances meet', async () => {
    const run = await runUnder('StalePatchMapEngine')
    expect(run.exitCode).not.toBe(0)
    expect(run.failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^loses no data write over \d+ rounds/),
        'keeps a device id and data written at once by both instances while both track access'
      ])
    )
    expect(run.pass + run.fail).toBe(registeredCases())
  })
})

describe('the shipped suite’s options', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses featureRounds %p with a TypeError naming it', (featureRounds) => {
    const register = () =>
      engineConformance({
        name: 'rounds',
        createEngine: () => new MapEngine(),
        describe: (_name, body) => body(),
        it: () => undefined,
        featureRounds
      })
    expect(register).toThrow(TypeError)
    expect(register).toThrow(expect.objectContaining({ code: 'ESR_INVALID_OPTION' }))
    expect(register).toThrow(/"featureRounds"/)
  })
})
