// The shipped conformance suite (`express-session-registry/testing`) is runner-agnostic: a third-party
// engine written from the README passes it under jest and under node:test, and a broken one fails it.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { engineConformance } from 'express-session-registry/testing'
import { MapEngine, MinimalMapEngine } from '../fixtures/thirdPartyEngine'

const NODE_RUNNER = join(__dirname, '..', 'fixtures', 'conformance.node.mts')

interface TapSummary {
  exitCode: number
  pass: number
  fail: number
  failures: string[]
}

/** Runs the node:test file on `engine` with node's own runner and reads its TAP summary. */
async function runUnderNodeTest(engine: string): Promise<TapSummary> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap', NODE_RUNNER]
  const env = { ...process.env, CONFORMANCE_ENGINE: engine }
  const { exitCode, stdout } = await promisify(execFile)(process.execPath, args, { cwd: join(__dirname, '../..'), env })
    .then(({ stdout }) => ({ exitCode: 0, stdout }))
    .catch((error: { code: number; stdout: string }) => ({ exitCode: error.code, stdout: error.stdout }))
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1] ?? NaN)
  const failures = [...stdout.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((match) => match[1])
  return { exitCode, pass: count('pass'), fail: count('fail'), failures }
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

describe('the shipped suite under node:test', () => {
  it('passes a third-party engine that keeps the contract, every case run', async () => {
    const cases = registeredCases()
    expect(cases).toBeGreaterThan(25)
    expect(await runUnderNodeTest('MapEngine')).toEqual({ exitCode: 0, pass: cases, fail: 0, failures: [] })
  })

  it('fails an engine whose update() revives a deleted entry', async () => {
    const run = await runUnderNodeTest('RevivingMapEngine')
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
    const run = await runUnderNodeTest('StalePatchMapEngine')
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
    expect(register).toThrow(/"featureRounds"/)
  })
})
