// One app of the scenario registry served over loopback HTTP, for the load-generator scenario: the app id
// and the services come from the harness in the environment (BENCH_APP, BENCH_SERVICES).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Services } from './lib/scenario'
import { findApp } from './scenarios'

/** What the server tells the harness once it listens. */
export interface ServerReady {
  type: 'ready'
  port: number
}

async function main(): Promise<void> {
  const services = JSON.parse(process.env.BENCH_SERVICES ?? '{}') as Services
  const { app } = await findApp(process.env.BENCH_APP ?? '').create(services)
  const server = createServer((request, response) => app(request, response, () => response.writeHead(404).end()))
  server.listen(0, '127.0.0.1', () => {
    const ready: ServerReady = { type: 'ready', port: (server.address() as AddressInfo).port }
    process.send?.(ready)
  })
  process.on('SIGTERM', () => process.exit(0))
  process.on('disconnect', () => process.exit(0))
}

main().catch((error: unknown) => {
  process.stderr.write(`server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
