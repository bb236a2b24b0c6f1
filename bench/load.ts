// The load generator: a process of its own, driven by the harness over IPC, one autocannon run per message.
import { fromBench } from './lib/deps'

/** One measurement the harness asks for. */
export interface LoadJob {
  id: number
  url: string
  headers: Record<string, string>
  connections: number
  duration: number
}

/** What one measurement gave. */
export interface LoadResult {
  type: 'result'
  id: number
  requestsPerSecond: number
  p50: number
  p99: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
}

interface AutocannonResult {
  duration: number
  '2xx': number
  non2xx: number
  errors: number
  timeouts: number
  latency: { p50: number; p99: number }
}

type Autocannon = (options: {
  url: string
  method: 'GET'
  headers: Record<string, string>
  connections: number
  pipelining: number
  duration: number
}) => Promise<AutocannonResult>

const autocannon = fromBench<Autocannon>('autocannon')

process.on('message', (job: LoadJob) => {
  autocannon({ ...job, method: 'GET', pipelining: 1 }).then(
    (result) => {
      const reply: LoadResult = {
        type: 'result',
        id: job.id,
        // Only answered requests count: a 401 is cheaper than a session check and would flatter a row.
        requestsPerSecond: result['2xx'] / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts
      }
      process.send?.(reply)
    },
    (error: unknown) => {
      process.stderr.write(`load: ${String(error)}\n`)
      process.exit(1)
    }
  )
})
process.on('disconnect', () => process.exit(0))
