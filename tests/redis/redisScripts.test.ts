import * as scripts from '../../src/engines/redis/scripts'

const sources = Object.entries(scripts).map(([name, lua]) => [name, lua.source] as const)

describe('the Redis engine’s Lua scripts', () => {
  it.each(sources)('%s decodes no stored value (no cjson, cmsgpack or struct)', (_name, source) => {
    expect(source).not.toMatch(/cjson|cmsgpack|struct\.|bit\.|loadstring|\bload\(/)
  })

  it('cap the sessions of a user from the index and per-entry fields alone', () => {
    const { source } = scripts.SET_CAPPED
    expect(source).toContain("redis.call('ZRANGE', KEYS[1], 0, -1)")
    // The fields a cap reads of an entry: its category and, at a tie, firstAccessed; never the data.
    const read = [...source.matchAll(/'HGET', [^,]+, '(\w)'/g)].map(([, field]) => field)
    expect(new Set(read)).toEqual(new Set(['c', 'f']))
  })
})
