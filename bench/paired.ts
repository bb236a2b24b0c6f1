// The paired in-process measurement: two apps built in this one process, the same request driven through
// each one's whole Express stack with fresh request/response objects, in batches alternating
// A B B A, round after round. Noise from the rest of the machine hits both sides of a round alike, so the
// per-round ratio holds where absolute throughput swings. Run by the harness, one process per pair.
import type { Express } from 'express'
import { createNoSessionApp } from './apps/noSession'
import { createRedisGetApp } from './apps/redisGet'
import { createRegistryApp } from './apps/registry'
import { USER_AGENT } from './lib/fixtures'
import { batch, invoke } from './lib/inProcess'
import type { AppSpec, PairJob, PairReport } from './lib/pairs'
import { commandStats, serverCpuMicros, statsClient } from './lib/redisStats'
import { median } from './lib/report'

interface Side {
  app: Express
  headers: Record<string, string>
  release(): Promise<void>
}

async function build(spec: AppSpec, redisPort: number | undefined): Promise<Side> {
  const base = { 'user-agent': USER_AGENT }
  if (spec.kind === 'no-session') return { app: createNoSessionApp(), headers: base, release: async () => undefined }
  const port = redisPort ?? NaN
  const { app, release } =
    spec.kind === 'redis-get'
      ? { app: await createRedisGetApp(port), release: async () => undefined }
      : await createRegistryApp({ ...spec, redisPort: port }).then(({ app, engine }) => ({
          app,
          release: async () => {
            await engine.release?.()
          }
        }))
  const login = await invoke(app, 'POST', '/login', base)
  const token = /^bearer\s+(\S+)$/i.exec(String(login.headers.authorization ?? ''))?.[1]
  if (login.status !== 200 || !token) throw new Error(`${spec.kind}: POST /login answered ${login.status} and no token`)
  const headers = { ...base, authorization: `Bearer ${token}` }
  // The route must really check the session: 200 with the credential, 401 without.
  if ((await invoke(app, 'GET', '/me', headers)).status !== 200) throw new Error(`${spec.kind}: GET /me refused`)
  if ((await invoke(app, 'GET', '/me', base)).status !== 401) throw new Error(`${spec.kind}: GET /me without a token`)
  return { app, headers, release }
}

async function measure(job: PairJob): Promise<PairReport> {
  const baseline = await build(job.pair.baseline, job.redisPort)
  const candidate = await build(job.pair.candidate, job.redisPort)
  // CPU time, not wall time: a round in which another process took the core shows up as waiting, which
  // CPU time leaves out, and the app's CPU per request is what bounds its throughput.
  const run = async (side: Side): Promise<number> =>
    (await batch(() => invoke(side.app, 'GET', '/me', side.headers), job.batch, job.concurrency, 200)).cpuMicros
  const report: PairReport = { type: 'paired', id: job.pair.id, ratios: [], baselineMicros: [], candidateMicros: [] }
  for (let round = 0; round < job.warmupRounds + job.rounds; round++) {
    // Short slices, alternating A B, B A, ...: load from the rest of the machine comes and goes within
    // seconds, so the two batches of a slice see the same machine, and neither side is always first.
    // A round's ratio is the median over its slices: a slice in which a neighbour took the core is an
    // outlier on one side only, and the median sets it aside instead of averaging it in.
    const sliceRatios: number[] = []
    let baselineMicros = 0
    let candidateMicros = 0
    for (let slice = 0; slice < job.slices; slice++) {
      const [x, y] = slice % 2 === 0 ? [baseline, candidate] : [candidate, baseline]
      const first = await run(x)
      const second = await run(y)
      const [a, b] = x === baseline ? [first, second] : [second, first]
      sliceRatios.push(a / b)
      baselineMicros += a
      candidateMicros += b
    }
    if (round < job.warmupRounds) continue
    const perSide = job.slices * job.batch
    report.ratios.push(median(sliceRatios))
    report.baselineMicros.push(baselineMicros / perSide)
    report.candidateMicros.push(candidateMicros / perSide)
  }
  if (job.redisCost && job.redisPort !== undefined) {
    // Redis's side of one request of each app, alone: what the server spends, by its own accounts.
    const stats = await statsClient(job.redisPort)
    for (const [name, side] of [
      ['baseline', baseline],
      ['candidate', candidate]
    ] as const) {
      await stats.sendCommand(['CONFIG', 'RESETSTAT'])
      const cpuBefore = await serverCpuMicros(stats)
      const requests = job.slices * job.batch
      await batch(() => invoke(side.app, 'GET', '/me', side.headers), requests, job.concurrency, 200)
      const cpu = (await serverCpuMicros(stats)) - cpuBefore
      const commands = await commandStats(stats)
      // The statistics calls of this client are its own, not the app's.
      for (const command of Object.keys(commands)) {
        if (/^(info|config)\b/.test(command)) delete commands[command]
      }
      const calls = Object.values(commands).reduce((sum, entry) => sum + entry.calls, 0)
      report.redis ??= {}
      report.redis[name] = {
        commandsPerRequest: calls / requests,
        usecPerCall: Object.fromEntries(
          Object.entries(commands).map(([command, entry]) => [command, entry.usec / entry.calls])
        ),
        serverCpuMicrosPerRequest: cpu / requests
      }
    }
    await stats.quit()
  }
  await Promise.all([baseline.release(), candidate.release()])
  return report
}

process.once('message', (job: PairJob) => {
  measure(job).then(
    (report) => {
      process.send?.(report)
      process.disconnect()
    },
    (error: unknown) => {
      process.stderr.write(`paired: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    }
  )
})
