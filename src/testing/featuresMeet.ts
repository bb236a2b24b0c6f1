import assert from 'node:assert/strict'
import { asPatch, aTurn, dataOf, isLive, logIn, pairTest, pollWhile } from './instances'
import { assertSameJson } from './fixtures'
import type { ConformanceRunner } from './types'

const POLLERS = 3

/**
 * Where the features meet, with two instances of the core on the engine (two `session()` contexts, on
 * two engines of the caller's when they share storage): session data written on one while the other
 * tracks access and renews on every request, and a device id and data written at once by both.
 *
 * What is promised depends on the contract the engine has. With `patch`, no write is lost: every
 * removal stays removed and every set stays set. Without it the core writes the whole entry back from
 * the copy it read, and a write landing in between can be lost (see the README's "Writing an engine"),
 * so those cases check only the weaker promise: every call applies, every request stays
 * authenticated, what is stored is one of the values written, whole, and once the racing stops a write
 * is read back from both instances.
 */
export function describeFeaturesMeet(runner: ConformanceRunner): void {
  const { describe, featureRounds } = runner

  describe('features meeting: data, access tracking and renewal', () => {
    pairTest(
      runner,
      `loses no data write over ${featureRounds} rounds: one instance tracks and renews, the other sets and removes a key`,
      async ({ a, b, atomicFields }) => {
        const token = await logIn(b, 'poller', { base: 1 })
        const initialExpiry = (await b.request(token)).expiresAt?.getTime()
        assert.ok(initialExpiry !== undefined, 'a session with idleTimeout has an expiry')
        const pollers = Array.from({ length: POLLERS }, () => pollWhile(a, [token]))
        const figures = { lostRemovals: 0, lostSets: 0, unapplied: 0 }
        let renewed = false
        for (let round = 0; round < featureRounds; round++) {
          // The pollers' requests land between these writes also on an engine that answers synchronously
          // (whose awaits never leave the microtask queue); the first round lets a millisecond pass, so
          // the tracking instance's renewal moves the expiry.
          await (round === 0 ? new Promise((resolve) => setTimeout(resolve, 2)) : aTurn())
          const setting = await b.request(token)
          if (Object.hasOwn(dataOf(setting), 'elevated')) figures.lostRemovals++
          if (!(await setting.updateData(asPatch({ elevated: round })))) figures.unapplied++
          await aTurn()
          const removing = await b.request(token)
          if (dataOf(removing).elevated !== round) figures.lostSets++
          if ((removing.expiresAt?.getTime() ?? 0) > initialExpiry) renewed = true
          if (!(await removing.updateData(asPatch({ elevated: undefined })))) figures.unapplied++
        }
        const polled = (await Promise.all(pollers.map((poller) => poller.stop()))).flat()
        assert.ok(polled.length > 0 && polled.every(Boolean), 'a request of the tracking instance was refused')
        assert.equal(figures.unapplied, 0, 'an updateData() of a live session did not apply')
        if (atomicFields) {
          assert.ok(renewed, 'the tracking instance never renewed the session')
          assert.deepEqual(figures, { lostRemovals: 0, lostSets: 0, unapplied: 0 }, 'a data write was lost')
          for (const instance of [a, b]) assertSameJson(dataOf(await instance.request(token)), { base: 1 })
        } else {
          // The weaker promise: writes may be lost while racing, never mixed; once alone, a write holds.
          const before = (await b.request(token)).expiresAt?.getTime() ?? 0
          await new Promise((resolve) => setTimeout(resolve, 2))
          assert.ok(((await a.request(token)).expiresAt?.getTime() ?? 0) > before, 'a renewal alone did not hold')
          const left = dataOf(await b.request(token))
          assert.equal(left.base, 1, `the data is not one of the values written: ${JSON.stringify(left)}`)
          assert.ok(await (await b.request(token)).updateData(asPatch({ elevated: undefined, settled: true })))
          for (const instance of [a, b])
            assertSameJson(dataOf(await instance.request(token)), { base: 1, settled: true })
        }
      }
    )

    pairTest(
      runner,
      'keeps a device id and data written at once by both instances while both track access',
      async ({ a, b, atomicFields }) => {
        const token = await logIn(a, 'device-user')
        const pollers = [pollWhile(a, [token]), pollWhile(b, [token])]
        await aTurn()
        const [onA, onB, againOnB] = await Promise.all([a.request(token), b.request(token), b.request(token)])
        const answers = await Promise.all([
          onB.updateDeviceId('tablet'),
          onA.updateData(asPatch({ org: 'acme' })),
          againOnB.updateData(asPatch({ plan: 'pro' }))
        ])
        await Promise.all(pollers.map((poller) => poller.stop()))
        assert.deepEqual(answers, [true, true, true], 'a write of a live session did not apply')
        for (const instance of [a, b]) {
          const seen = await instance.request(token)
          if (atomicFields) {
            assert.equal(seen.deviceId, 'tablet', 'the device id was lost')
            assertSameJson(dataOf(seen), { org: 'acme', plan: 'pro' }, 'a data write was lost')
          } else {
            assert.ok(seen.deviceId === null || seen.deviceId === 'tablet', `device id ${String(seen.deviceId)}`)
            for (const [key, value] of Object.entries(dataOf(seen)))
              assert.equal(value, { org: 'acme', plan: 'pro' }[key], `data holds ${key}: ${JSON.stringify(value)}`)
          }
        }
        if (!atomicFields) {
          const alone = await b.request(token)
          assert.ok(await alone.updateDeviceId('phone'))
          assert.ok(await alone.updateData(asPatch({ org: 'acme', plan: 'pro' })))
          for (const instance of [a, b]) {
            const seen = await instance.request(token)
            assert.equal(seen.deviceId, 'phone')
            assertSameJson(dataOf(seen), { org: 'acme', plan: 'pro' })
          }
        }
        assert.ok(await isLive(a, token))
      }
    )
  })
}
