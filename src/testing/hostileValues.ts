import assert from 'node:assert/strict'
import { Session } from '../index'
import { assertSameJson } from './fixtures'
import { asPatch, dataOf, logIn, pairTest, type Data } from './instances'
import type { ConformanceRunner } from './types'

/** `levels` arrays, each in the next, built without recursion. */
function nested(levels: number): unknown[] {
  let value: unknown[] = []
  for (let level = 1; level < levels; level++) value = [value]
  return value
}

// Parsed, as a JSON body would be: an own "__proto__" key, not the prototype.
const PROTO_KEY = JSON.parse('{"a":{"__proto__":{"polluted":true}}}') as Data

const REFUSED_DATA: Array<[string, Data]> = [
  ['a lone surrogate in a value', { name: 'x\ud800' }],
  ['a lone surrogate in a key', { ['\udc00key']: 1 }],
  ['JSON 100 levels deep', { deep: nested(100) }],
  ['JSON 20,000 levels deep', { deep: nested(20_000) }],
  ['a nested "__proto__" key', PROTO_KEY],
  ['a "constructor" key', JSON.parse('{"constructor":{"prototype":{}}}') as Data]
]

// What every engine must keep exactly: NUL, surrogate pairs, and characters JSON and SQL escape.
const KEPT = {
  note: 'a\u0000b',
  emoji: '😀 \ud83d\ude00',
  '\u0000': 'a key that is NUL',
  '😀': ['\u2028\u2029', '"\'\\%_*?', { z: '\u0000' }]
}

/**
 * Hostile values, written through one instance and read through the other: data no engine keeps
 * exactly is refused with a `TypeError`, before anything is written, so what is stored stays as it was
 * (checked on the engine itself); NUL characters and surrogate pairs are kept exactly. This holds on
 * every contract: the refusal comes before any engine call.
 */
export function describeHostileValues(runner: ConformanceRunner): void {
  runner.describe('features meeting: hostile values', () => {
    pairTest(
      runner,
      'refuses data with a lone surrogate, too deep or with a forbidden key, and nothing stored changes',
      async ({ a, b, engine }) => {
        const token = await logIn(a, 'hostile', { kept: true })
        const session = await b.request(token)
        const before = await engine.getAll('auth-hostile')
        for (const [name, patch] of REFUSED_DATA)
          await assert.rejects(session.updateData(asPatch(patch)), TypeError, `updateData() with ${name}`)
        await assert.rejects(session.updateDeviceId('ph\udc00'), TypeError, 'updateDeviceId() with a lone surrogate')
        assertSameJson(await engine.getAll('auth-hostile'), before, 'a refused write changed what is stored')
        const seen = await a.request(token)
        assertSameJson(dataOf(seen), { kept: true })
        assert.equal(seen.deviceId, null)
      }
    )

    pairTest(runner, 'refuses a log in with such data, storing no session', async ({ a, b }) => {
      for (const [name, data] of REFUSED_DATA) {
        const current = await b.request()
        await assert.rejects(current.logIn('hostile-login', { data: asPatch(data) }), TypeError, `logIn() with ${name}`)
        assert.equal(current.authenticated, false)
      }
      for (const instance of [a, b])
        assert.deepEqual(
          await Session.activeSessions('hostile-login', instance.options),
          {},
          'a refused log in was stored'
        )
    })

    pairTest(runner, 'keeps NUL characters and surrogate pairs exactly, across instances', async ({ a, b }) => {
      const token = await logIn(a, 'kept', { first: KEPT })
      const writing = await b.request(token)
      assert.ok(await writing.updateData(asPatch({ second: KEPT })))
      assert.ok(await writing.updateDeviceId('phone 😀 \u0000'))
      for (const instance of [a, b]) {
        const seen = await instance.request(token)
        assert.deepEqual(JSON.parse(JSON.stringify(dataOf(seen))), { first: KEPT, second: KEPT })
        assert.equal(seen.deviceId, 'phone 😀 \u0000')
      }
    })
  })
}
