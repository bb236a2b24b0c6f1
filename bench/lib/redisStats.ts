import { fromBench } from './deps'

/** The few calls the harness makes on a node-redis client of bench/'s own. */
export interface StatsClient {
  connect(): Promise<unknown>
  quit(): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  info(section: string): Promise<string>
  sendCommand(args: string[]): Promise<unknown>
}

/** A client of the harness's redis-server, for its statistics. */
export async function statsClient(port: number): Promise<StatsClient> {
  const { createClient } = fromBench<{ createClient(options: object): StatsClient }>('redis')
  const client = createClient({ socket: { host: '127.0.0.1', port } })
  client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`))
  await client.connect()
  return client
}

/** Calls and microseconds per command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
export async function commandStats(client: StatsClient): Promise<Record<string, { calls: number; usec: number }>> {
  const stats: Record<string, { calls: number; usec: number }> = {}
  for (const match of (await client.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    stats[match[1]] = { calls: Number(match[2]), usec: Number(match[3]) }
  }
  return stats
}

/** redis-server's own CPU time so far (`used_cpu_user` + `used_cpu_sys` of `INFO cpu`), in microseconds. */
export async function serverCpuMicros(client: StatsClient): Promise<number> {
  const info = await client.info('cpu')
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN)
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
}
