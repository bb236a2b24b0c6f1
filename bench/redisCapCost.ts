// What a log in past the per-user cap costs Redis (npm run bench:redis-cap): one user holds `limit`
// sessions of 4 kB data each, then logs in `BENCH_LOGINS` more times, each log in storing one session
// and ending the least recently used one. Reported per log in: the time Redis spent in its commands
// (`INFO commandstats`, scripts included) and redis-server's own CPU (`INFO cpu`), on a throwaway
// redis-server started for the run.
//
// Environment: BENCH_LOGINS [2000], BENCH_SESSIONS (the cap and the sessions held) [100],
// BENCH_DATA_BYTES [4000].
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { RedisEngine } from '../src/redis'
import { RedisServer } from '../tests/support/redisServer'

const LOGINS = Number(process.env.BENCH_LOGINS ?? 2_000)
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100)
const DATA_BYTES = Number(process.env.BENCH_DATA_BYTES ?? 4_000)
const CATEGORY = 'auth-capped-user'

/** A client as far as the statistics are read. */
interface InfoClient {
  info(section: string): Promise<string>
}

function sessionOf(sequence: number, now: number): Record<string, unknown> {
  const note = randomBytes(DATA_BYTES)
    .toString('base64url')
    .slice(0, DATA_BYTES - 40)
  return {
    id: randomBytes(16).toString('base64url'),
    userId: 'capped-user',
    firstAccessed: now + sequence,
    lastAccessed: now + sequence,
    firstIp: '203.0.113.7',
    lastIp: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36',
    deviceId: null,
    expiresAt: now + 86_400_000,
    data: { note, orgId: 'org-1', step: sequence }
  }
}

function token(): string {
  return randomBytes(32).toString('base64url')
}

async function main(): Promise<void> {
  const server = await RedisServer.start()
  const stats = createClient({ socket: { host: '127.0.0.1', port: server.port } })
  const engine = new RedisEngine({ port: server.port, identifier: 'cap-bench' })
  try {
    await stats.connect()
    await engine.prepare()
    const now = Date.now()
    let sequence = 0
    for (; sequence < SESSIONS; sequence += 1) await engine.set(token(), CATEGORY, sessionOf(sequence, now))
    // Warm up the script cache and the allocator before counting.
    for (let warm = 0; warm < 20; warm += 1, sequence += 1) {
      await engine.setCapped(token(), CATEGORY, sessionOf(sequence, now), SESSIONS)
    }
    await stats.sendCommand(['CONFIG', 'RESETSTAT'])
    const cpuBefore = await cpuMicros(stats)
    let removed = 0
    for (let login = 0; login < LOGINS; login += 1, sequence += 1) {
      removed += (await engine.setCapped(token(), CATEGORY, sessionOf(sequence, now), SESSIONS)).length
    }
    const cpuAfter = await cpuMicros(stats)
    const commands = await commandStats(stats)
    const scriptMicros = (commands.evalsha?.usec ?? 0) + (commands.eval?.usec ?? 0)
    const perLogin = (micros: number) => (micros / LOGINS / 1_000).toFixed(3)
    const version = /redis_version:(\S+)/.exec(await stats.info('server'))?.[1] ?? 'unknown'
    console.log(`Redis ${version}: ${LOGINS} log ins past a cap of ${SESSIONS}, ${DATA_BYTES} B data`)
    console.log(`sessions ended by the cap: ${removed} (one per log in expected)`)
    // A script's own commands are counted too, inside the script's time.
    console.log(`commands per log in: ${JSON.stringify(perCall(commands, LOGINS))}`)
    if (process.env.BENCH_DETAIL) console.log(commands)
    console.log(`script time per log in (evalsha+eval usec): ${perLogin(scriptMicros)} ms`)
    console.log(`redis-server CPU per log in (used_cpu_user+sys): ${perLogin(cpuAfter - cpuBefore)} ms`)
  } finally {
    await engine.release()
    await stats.close()
    await server.stop()
  }
}

async function commandStats(client: InfoClient): Promise<Record<string, { calls: number; usec: number }>> {
  const stats: Record<string, { calls: number; usec: number }> = {}
  for (const match of (await client.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    if (match[1] === 'info' || match[1] === 'config|resetstat') continue
    stats[match[1]] = { calls: Number(match[2]), usec: Number(match[3]) }
  }
  return stats
}

function perCall(stats: Record<string, { calls: number }>, logins: number): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([name, { calls }]) => [name, calls / logins]))
}

async function cpuMicros(client: InfoClient): Promise<number> {
  const info = await client.info('cpu')
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN)
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
