// The revoking side of the revocation-lag measurement: an app instance with localCache, in this process,
// logs a session in, has the other instance (another process, under load) serve it from its cache, logs
// it out through its own Express stack, and from the moment that logOut() resolved, asks the other
// instance again and again until it refuses the token. The lag is the time from the resolution to the
// sending of the first request refused; 0 when the very first one is.
import http from 'node:http'
import { createRegistryApp } from './apps/registry'
import { USER_AGENT } from './lib/fixtures'
import { invoke } from './lib/inProcess'

/** What the harness asks for. */
export interface RevocationJob {
  type: 'revoke'
  redisPort: number
  /** The other instance's `GET /me`. */
  url: string
  revocations: number
  localCacheEntries: number
}

/** Every lag, in milliseconds, and how many requests the other instance still accepted after a logOut resolved. */
export interface RevocationReport {
  type: 'revoked'
  lagsMs: number[]
  acceptedAfterRevocation: number
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

function status(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', reject)
  })
}

async function measure(job: RevocationJob): Promise<RevocationReport> {
  const { app, engine } = await createRegistryApp({
    store: 'redis',
    redisPort: job.redisPort,
    localCacheEntries: job.localCacheEntries
  })
  const report: RevocationReport = { type: 'revoked', lagsMs: [], acceptedAfterRevocation: 0 }
  for (let index = 0; index < job.revocations; index++) {
    const login = await invoke(app, 'POST', '/login', { 'user-agent': USER_AGENT })
    const headers = {
      'user-agent': USER_AGENT,
      authorization: `Bearer ${/\S+$/.exec(String(login.headers.authorization))![0]}`
    }
    // Twice: the first read fills the other instance's cache, the second is served from it.
    for (let read = 0; read < 2; read++) {
      if ((await status(job.url, headers)) !== 200) throw new Error('the other instance refused a live session')
    }
    const logout = await invoke(app, 'POST', '/logout', headers)
    const resolved = performance.now()
    if (logout.status !== 200) throw new Error(`POST /logout answered ${logout.status}`)
    for (;;) {
      const sent = performance.now()
      const answer = await status(job.url, headers)
      if (answer === 401) {
        report.lagsMs.push(sent - resolved)
        break
      }
      if (answer !== 200) throw new Error(`GET /me answered ${answer}`)
      report.acceptedAfterRevocation++
    }
  }
  await engine.release?.()
  agent.destroy()
  return report
}

process.once('message', (job: RevocationJob) => {
  measure(job).then(
    (report) => {
      process.send?.(report)
      process.disconnect()
    },
    (error: unknown) => {
      process.stderr.write(`revoker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exit(1)
    }
  )
})
