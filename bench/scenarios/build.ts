// Two builds of this library against each other: a built dist/ given by BENCH_BASELINE_DIST (an older
// commit, built outside the checkout) as the baseline, and BENCH_CANDIDATE_DIST or, without it, this
// checkout's source as the candidate, each on the same engine and carrier. Run only when the baseline
// is given: what a change to the request path saved, paired, with the A/A of the older build beside it.
import { oursApp, type OursOptions } from '../apps/ours'
import type { AppDefinition, ScenarioGroup, Services } from '../lib/scenario'
import { redisGroup } from './redis'

function build(
  label: string,
  options: Omit<OursOptions, 'dist'>,
  which: 'baselineDist' | 'candidateDist'
): AppDefinition {
  return {
    label,
    create: (services: Services) => {
      if (which === 'baselineDist' && services.baselineDist === undefined)
        throw new Error('the build pairs need BENCH_BASELINE_DIST')
      return oursApp({ ...options, dist: services[which] }, services)
    }
  }
}

const memoryBearer = { engine: 'memory', credential: 'bearer' } as const
const memoryCookie = { engine: 'memory', credential: 'cookie' } as const
const redisBearer = { engine: 'redis', credential: 'bearer' } as const

/** The build group, in memory. */
export const buildGroup: ScenarioGroup = {
  id: 'build',
  needs: ['baseline'],
  onlyWhenGiven: true,
  apps: {
    'baseline-memory': build('baseline build, MemoryEngine, Bearer', memoryBearer, 'baselineDist'),
    'baseline-memory-cookie': build('baseline build, MemoryEngine, cookie', memoryCookie, 'baselineDist'),
    'candidate-memory': build('candidate build, MemoryEngine, Bearer', memoryBearer, 'candidateDist'),
    'candidate-memory-cookie': build('candidate build, MemoryEngine, cookie', memoryCookie, 'candidateDist')
  },
  pairs: [
    {
      id: 'build-memory',
      kind: 'read',
      label: 'build: candidate vs baseline, MemoryEngine, Bearer',
      baseline: 'baseline-memory',
      candidate: 'candidate-memory'
    },
    {
      id: 'build-memory-cookie',
      kind: 'read',
      label: 'build: candidate vs baseline, MemoryEngine, cookie',
      baseline: 'baseline-memory-cookie',
      candidate: 'candidate-memory-cookie'
    }
  ]
}

/** The build group on Redis, over the Redis group's stored sessions. */
export const buildRedisGroup: ScenarioGroup = {
  id: 'build-redis',
  needs: ['baseline', 'redis'],
  onlyWhenGiven: true,
  apps: {
    'baseline-redis': build('baseline build, RedisEngine, Bearer', redisBearer, 'baselineDist'),
    'candidate-redis': build('candidate build, RedisEngine, Bearer', redisBearer, 'candidateDist')
  },
  pairs: [
    {
      id: 'build-redis',
      kind: 'read',
      label: 'build: candidate vs baseline, RedisEngine, Bearer',
      baseline: 'baseline-redis',
      candidate: 'candidate-redis'
    }
  ],
  preload: redisGroup.preload
}
