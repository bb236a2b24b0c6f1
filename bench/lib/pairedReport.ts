import type { PairedResults } from './pairedPhase'

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const interval = (low: number, high: number): string => `[${fixed(low, 3)}, ${fixed(high, 3)}]`

function verdict(median: number, low: number, high: number, target: number | undefined, aa: boolean): string {
  if (target === undefined) return '–'
  // The A/A check passes when its whole interval lies within 1 ± 0.02; a target, when the median reaches it.
  if (aa) return low >= 0.98 && high <= 1.02 ? 'met' : 'MISSED'
  return median >= target ? 'met' : 'MISSED'
}

/** The paired section of a run's report, in Markdown. */
export function pairedSection(paired: PairedResults): string {
  const lines: string[] = []
  if (paired.pairs.length > 0) {
    lines.push(
      '| pair | ratio (median) | 95% interval | A/A beside it | baseline µs CPU/req | candidate µs CPU/req | target | verdict |',
      '| --- | ---: | --- | --- | ---: | ---: | ---: | --- |'
    )
    for (const pair of paired.pairs) {
      const aa = pair.aa ? paired.pairs.find((other) => other.id === pair.aa) : undefined
      const isAa = pair.id.startsWith('aa-')
      const target = pair.target === undefined ? '–' : isAa ? '1.00 ± 0.02' : `≥ ${fixed(pair.target, 2)}`
      lines.push(
        `| ${pair.label} | ${fixed(pair.ratio.median, 3)} | ${interval(pair.ratio.low, pair.ratio.high)} | ` +
          `${aa ? `${fixed(aa.ratio.median, 3)} ${interval(aa.ratio.low, aa.ratio.high)}` : '–'} | ` +
          `${fixed(pair.baselineMicros, 1)} | ${fixed(pair.candidateMicros, 1)} | ${target} | ` +
          `${verdict(pair.ratio.median, pair.ratio.low, pair.ratio.high, pair.target, isAa)} |`
      )
    }
    const rounds = paired.pairs[0].ratio.n
    lines.push(
      '',
      `Paired: ${rounds} rounds per pair${paired.redisSessions > 0 ? `; Redis pairs with ${paired.redisSessions.toLocaleString('en-US')} sessions of each layout stored` : ''}.`
    )
  }
  if (paired.redisCost.length > 0) {
    lines.push(
      '',
      '| app | Redis commands/req | usec_per_call | redis-server CPU µs/req |',
      '| --- | ---: | --- | ---: |'
    )
    for (const entry of paired.redisCost) {
      for (const side of ['baseline', 'candidate'] as const) {
        const cost = entry[side]
        const pair = paired.pairs.find((candidate) => candidate.id === entry.pair)
        if (!cost || !pair) continue
        const name = side === 'baseline' ? `${pair.label}: baseline` : `${pair.label}: candidate`
        const perCall = Object.entries(cost.usecPerCall)
          .map(([command, usec]) => `${command} ${fixed(usec, 2)}`)
          .join(', ')
        lines.push(
          `| ${name} | ${fixed(cost.commandsPerRequest, 2)} | ${perCall || '–'} | ${fixed(cost.serverCpuMicrosPerRequest, 1)} |`
        )
      }
    }
  }
  if (paired.revocation.length > 0) {
    lines.push(
      '',
      '| revocation lag with localCache, across two processes | p50 ms | p99 ms | max ms | target p99 | verdict |',
      '| --- | ---: | ---: | ---: | ---: | --- |'
    )
    for (const lag of paired.revocation) {
      const loaded = lag.loadConnections > 0
      const load = loaded
        ? `other process under load, ${Math.round(lag.loadRequestsPerSecond)} req/s on ${lag.loadConnections} connections`
        : 'other process idle'
      lines.push(
        `| ${lag.revocations} revocations, ${load}; ${lag.acceptedAfterRevocation} requests accepted after a logOut resolved | ` +
          `${fixed(lag.p50, 3)} | ${fixed(lag.p99, 3)} | ${fixed(lag.max, 3)} | ` +
          `${loaded ? '≤ 5' : '–'} | ${loaded ? (lag.p99 <= 5 ? 'met' : 'MISSED') : '–'} |`
      )
    }
  }
  if (paired.cacheHeap.length > 0) {
    lines.push(
      '',
      '| localCache maxEntries | sessions read | entries kept | heap growth |',
      '| ---: | ---: | ---: | ---: |'
    )
    for (const figure of paired.cacheHeap) {
      lines.push(
        `| ${figure.maxEntries.toLocaleString('en-US')} | ${figure.sessions.toLocaleString('en-US')} | ${figure.entriesKept.toLocaleString('en-US')} | ${fixed(figure.heapGrowthBytes / 1024, 0)} KiB |`
      )
    }
  }
  return lines.join('\n')
}
