// The measuring process of one pair: the baseline app twice (A and its twin A′) and the candidate (B),
// built in this one process, the same request driven through each one's whole Express stack with fresh
// request/response objects, in short batches whose order rotates every slice. Noise from the rest of the
// machine hits the three alike within a slice, so each slice's B/A ratio holds where absolute throughput
// swings, and A/A′ says how much noise alone moves a ratio in the same minutes.
import { USER_AGENT } from './lib/fixtures'
import { batch, invoke, type Answer } from './lib/inProcess'
import type { PairJob, PairReport } from './lib/pairedJob'
import type { BenchApp, Credential, RequestKind } from './lib/scenario'
import { median } from './lib/stats'
import { findApp, findCall } from './scenarios'

const BASE_HEADERS = { 'user-agent': USER_AGENT }

/** The headers that present the credential a `POST /login` answer carried. */
function credentialHeaders(credential: Credential, login: Answer): Record<string, string> {
  if (credential.kind === 'none') return { ...BASE_HEADERS }
  if (credential.kind === 'bearer') {
    const token = /^bearer\s+(\S+)$/i.exec(String(login.headers.authorization ?? ''))?.[1]
    if (!token) throw new Error('POST /login sent no bearer token')
    return { ...BASE_HEADERS, authorization: `Bearer ${token}` }
  }
  const setCookie = login.headers['set-cookie']
  const cookies = Array.isArray(setCookie) ? setCookie : [String(setCookie ?? '')]
  const cookie = cookies.find((value) => value.startsWith(`${credential.name}=`))
  if (!cookie) throw new Error(`POST /login set no ${credential.name} cookie`)
  return { ...BASE_HEADERS, cookie: cookie.split(';')[0] }
}

async function logIn(side: BenchApp): Promise<Record<string, string>> {
  const login = await invoke(side.app, 'POST', '/login', BASE_HEADERS)
  if (login.status !== 200) throw new Error(`POST /login answered ${login.status}`)
  return credentialHeaders(side.credential, login)
}

/** One side of the pair, ready to send its kind of request. */
interface Side {
  name: string
  bench: BenchApp
  /** Called before each timed batch, untimed: a log out needs a fresh session per request. */
  prepare(count: number): Promise<void>
  send(): Promise<Answer>
}

/** One side of a `call` pair: `count` calls timed in CPU microseconds. */
interface CallSide {
  time(count: number): number
}

let kept: unknown
function callSide(callId: string): CallSide {
  const call = findCall(callId).create()
  return {
    time: (count) => {
      const cpu = process.cpuUsage()
      for (let index = 0; index < count; index++) kept = call()
      const { user, system } = process.cpuUsage(cpu)
      return user + system
    }
  }
}

async function side(appId: string, kind: RequestKind, services: PairJob['services']): Promise<Side> {
  const bench = await findApp(appId).create(services)
  const headers = await logIn(bench)
  if (bench.credential.kind !== 'none') {
    // The route must really check the session: 200 with the credential, 401 without.
    const withIt = (await invoke(bench.app, 'GET', '/me', headers)).status
    const without = (await invoke(bench.app, 'GET', '/me', BASE_HEADERS)).status
    if (withIt !== 200 || without !== 401)
      throw new Error(`${appId}: GET /me answered ${withIt} with and ${without} without`)
  }
  if (kind === 'read')
    return { name: appId, bench, prepare: async () => undefined, send: () => invoke(bench.app, 'GET', '/me', headers) }
  if (kind === 'login') {
    return {
      name: appId,
      bench,
      prepare: async () => undefined,
      send: () => invoke(bench.app, 'POST', '/login', BASE_HEADERS)
    }
  }
  const ready: Record<string, string>[] = []
  return {
    name: appId,
    bench,
    prepare: async (count) => {
      while (ready.length < count) ready.push(await logIn(bench))
    },
    send: () => invoke(bench.app, 'POST', '/logout', ready.pop() ?? BASE_HEADERS)
  }
}

// Every order of the three sides, so that none is always first or always after the same one.
const ORDERS = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2]
] as const

/** The three sides of a pair (A, B, A′), each as a function that times one batch in CPU microseconds. */
async function timers(
  job: PairJob
): Promise<{ timers: (() => Promise<number>)[]; perUnit: number; release(): Promise<void> }> {
  const { pair, settings } = job
  const ids = [pair.baseline, pair.candidate, pair.baseline]
  if (pair.kind === 'call') {
    const repeat = pair.repeat ?? 1
    const calls = ids.map(callSide)
    const units = settings.batch * repeat
    return {
      timers: calls.map((call) => async () => call.time(units)),
      perUnit: repeat,
      release: async () => undefined
    }
  }
  const sides: Side[] = []
  for (const id of ids) sides.push(await side(id, pair.kind, job.services))
  // CPU time, not wall time: a batch during which another process took the core shows up as waiting,
  // which CPU time leaves out, and the app's CPU per request is what bounds its throughput.
  const cpu = async (which: Side): Promise<number> => {
    await which.prepare(settings.batch)
    return (await batch(() => which.send(), settings.batch, settings.concurrency, 200)).cpuMicros
  }
  return {
    timers: sides.map((which) => () => cpu(which)),
    perUnit: 1,
    release: async () => {
      await Promise.all(sides.map((each) => each.bench.release()))
    }
  }
}

async function measure(job: PairJob): Promise<PairReport> {
  const { pair, settings } = job
  const sides = await timers(job)
  const report: PairReport = {
    type: 'paired',
    id: pair.id,
    ratios: [],
    aaRatios: [],
    baselineMicros: [],
    candidateMicros: []
  }
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    // A round's ratio is the median over its slices: a slice in which a neighbour took the core is an
    // outlier on one side only, and the median sets it aside instead of averaging it in.
    const ratios: number[] = []
    const aaRatios: number[] = []
    const totals = [0, 0, 0]
    for (let slice = 0; slice < settings.slices; slice++) {
      const micros = [0, 0, 0]
      for (const index of ORDERS[(round * settings.slices + slice) % ORDERS.length])
        micros[index] = await sides.timers[index]()
      ratios.push(micros[0] / micros[1])
      aaRatios.push(micros[0] / micros[2])
      micros.forEach((value, index) => (totals[index] += value))
    }
    if (round < settings.warmupRounds) continue
    // Per request, or per call for a call pair.
    const perSide = settings.slices * settings.batch * sides.perUnit
    report.ratios.push(median(ratios))
    report.aaRatios.push(median(aaRatios))
    report.baselineMicros.push((totals[0] + totals[2]) / (2 * perSide))
    report.candidateMicros.push(totals[1] / perSide)
  }
  await sides.release()
  void kept
  return report
}

process.once('message', (job: PairJob) => {
  measure(job).then(
    (report) => {
      process.send?.(report)
      process.disconnect()
    },
    (error: unknown) => {
      process.stderr.write(
        `paired ${job.pair.id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
      )
      process.exit(1)
    }
  )
})
// An exit, not a kill, when the harness stops this process: a CPU profile (BENCH_CPU_PROFILE) is written on exit.
process.on('SIGTERM', () => process.exit(0))
