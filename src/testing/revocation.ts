import assert from 'node:assert/strict'
import { Session } from '../index'
import { aTurn, CAP, isLive, logIn, pairTest, pollWhile, type Instance, type InstancePair } from './instances'
import type { ConformanceRunner } from './types'

/** How many of `tokens` each instance sees live, asserting both see the same ones. */
async function liveOnBoth({ a, b }: InstancePair, tokens: string[]): Promise<string[]> {
  const live: string[][] = []
  for (const instance of [a, b]) {
    const seen: string[] = []
    for (const token of tokens) if (await isLive(instance, token)) seen.push(token)
    live.push(seen)
  }
  assert.deepEqual(live[1], live[0], 'the two instances disagree on which sessions are live')
  return live[0]
}

async function listed(instance: Instance, token: string): Promise<number> {
  return Object.keys(await (await instance.request(token)).activeSessions()).length
}

/**
 * Where ending sessions meets access tracking: `logOutOthers()`, `Session.logOutAll()` and the cap
 * (`maxSessionsPerUser`) on one instance while the other tracks the sessions they end.
 *
 * With `patch` or `update` no session comes back: tracking writes only over a live entry. An engine
 * with neither (the token-registry contract alone) has the core write with `set`, which can bring back
 * a session ended between its read and its write (see the README's "Writing an engine"), so there the
 * cases check only the weaker promise: the same call made again with nothing racing it ends them for good.
 */
export function describeRevocation(runner: ConformanceRunner): void {
  const { describe } = runner
  const sweeps = Math.max(2, Math.ceil(runner.featureRounds / 10))

  describe('features meeting: ending sessions while they are tracked', () => {
    pairTest(runner, `never brings back a session logOutOthers() ended (${sweeps} rounds)`, async (pair) => {
      const { a, b, noRevival } = pair
      for (let round = 0; round < sweeps; round++) {
        const user = `others-${round}`
        const keeper = await logIn(b, user)
        const ended = [await logIn(a, user), await logIn(b, user)]
        const pollers = pollWhile(a, ended)
        await aTurn()
        await (await b.request(keeper)).logOutOthers()
        await pollers.stop()
        if (!noRevival) await (await b.request(keeper)).logOutOthers()
        assert.deepEqual(await liveOnBoth(pair, ended), [], 'a session logOutOthers() ended came back')
        for (const instance of [a, b]) assert.equal(await listed(instance, keeper), 1, 'listed besides the keeper')
      }
    })

    pairTest(runner, `never brings back a session Session.logOutAll() ended (${sweeps} rounds)`, async (pair) => {
      const { a, b, noRevival } = pair
      for (let round = 0; round < sweeps; round++) {
        const user = `all-${round}`
        const tokens = [await logIn(a, user), await logIn(b, user), await logIn(a, user)]
        const pollers = pollWhile(a, tokens)
        await aTurn()
        await Session.logOutAll(user, b.options)
        await pollers.stop()
        if (!noRevival) await Session.logOutAll(user, b.options)
        assert.deepEqual(await liveOnBoth(pair, tokens), [], 'a session logOutAll() ended came back')
        for (const instance of [a, b])
          assert.deepEqual(await Session.activeSessions(user, instance.options), {}, 'still listed')
      }
    })

    pairTest(runner, `never brings back a session the cap ended (${sweeps} rounds)`, async (pair) => {
      const { a, b, noRevival } = pair
      for (let round = 0; round < sweeps; round++) {
        const user = `capped-${round}`
        const early = [await logIn(a, user), await logIn(b, user), await logIn(a, user)]
        const pollers = pollWhile(a, early)
        const late = [await logIn(b, user), await logIn(b, user)]
        await pollers.stop()
        // Without patch or update an ended session may come back; one more log in, alone, caps them again.
        if (!noRevival) late.push(await logIn(b, user))
        const all = [...early, ...late]
        const live = await liveOnBoth(pair, all)
        assert.ok(live.length > 0 && live.length <= CAP, `${live.length} sessions live, the cap is ${CAP}`)
        assert.ok(live.includes(late[late.length - 1]), 'the cap ended the newest log in')
        // A second look: what the cap ended stays ended, tracked or not.
        assert.deepEqual(await liveOnBoth(pair, all), live, 'a session the cap ended came back')
        for (const instance of [a, b])
          assert.equal(await listed(instance, late[late.length - 1]), live.length, 'the listing is not what is live')
      }
    })
  })
}
