import assert from 'node:assert/strict'
import { keysOf, subject, tokenHash } from './fixtures'
import type { ConformanceRunner } from './types'

/**
 * The optional `deleteByCategoryPrefix` (what `Session.logOutEveryone()` needs): an engine without it
 * makes that call throw, so its cases have nothing to check.
 */
export function describeBulkDelete({ describe, test }: ConformanceRunner): void {
  describe('deleteByCategoryPrefix()', () => {
    test('removes every entry of the categories with that prefix, compared as plain text, and no other', async (engine) => {
      if (!engine.deleteByCategoryPrefix) return
      const ours = 'auth:Tag_1%\\*:'
      const categories = {
        gone: [`${ours}user-1`, `${ours}user-2`, ours],
        kept: ['auth:tag_1%\\*:user-1', 'auth:TagX1%\\*:user-1', 'auth:Tag_1%\\?:user-1', 'auth-user-1', 'auth:Tag']
      }
      const tokens = new Map<string, string>()
      for (const category of [...categories.gone, ...categories.kept]) {
        const token = tokenHash()
        tokens.set(category, token)
        await engine.set(token, category, subject())
      }
      await engine.deleteByCategoryPrefix(ours)
      for (const category of categories.gone) {
        assert.ok(!(await engine.get(tokens.get(category)!)), `the entry of ${category} is gone`)
        assert.deepEqual(keysOf(await engine.getAll(category)), [], `getAll(${category}) is empty`)
      }
      for (const category of categories.kept) {
        assert.ok(await engine.get(tokens.get(category)!), `the entry of ${category} stays`)
        assert.deepEqual(keysOf(await engine.getAll(category)), [tokens.get(category)], `getAll(${category})`)
      }
    })

    test('is a no-op for a prefix no category has', async (engine) => {
      if (!engine.deleteByCategoryPrefix) return
      const token = tokenHash()
      await engine.set(token, 'auth-user-1', subject())
      await engine.deleteByCategoryPrefix('auth:none:')
      assert.ok(await engine.get(token))
    })
  })
}
