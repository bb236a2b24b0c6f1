import { script } from './connection'

// An entry is a hash of its fields, each value JSON text; its category is the field `c`. No script
// decodes a value: they compare the category and the version as plain strings and numbers, and hand
// whole entries back as `HGETALL` replies. A release 0.1 entry (a JSON string) is only ever read
// whole, and compared by its beginning.
//
// Every script touches only the keys it declares, except DELETE_ALL, SET_CAPPED and INDEX with an
// entry prefix, which run on one node only (a cluster would refuse their per-member keys, which lie in
// other slots).

/** Reads an entry whole, as `{ kind, contents }`, into `local taken` (false when there is none). */
function take(key: string): string {
  return `
local taken = false
local kind = redis.call('TYPE', ${key}).ok
if kind == 'hash' then taken = { 'hash', redis.call('HGETALL', ${key}) }
elseif kind == 'string' then taken = { 'string', redis.call('GET', ${key}) } end`
}

/** Replaces the entry at `key` by the field/value pairs of ARGV from `from`, expiring at `expiresAt`. */
function write(key: string, expiresAt: string, from: number): string {
  return `
redis.call('DEL', ${key})
redis.call('HSET', ${key}, unpack(ARGV, ${from}))
redis.call('PEXPIREAT', ${key}, ${expiresAt})`
}

/**
 * Makes the index live at least until `expiresAt`, the expiry of the member just written (by the
 * server's clock: PEXPIRETIME is Redis 7, PTTL and TIME are 6.2).
 */
function outlive(index: string, expiresAt: string): string {
  return `
local ttl = redis.call('PTTL', ${index})
if ttl ~= -2 then
  local clock = redis.call('TIME')
  if ttl == -1 or ttl + clock[1] * 1000 + math.floor(clock[2] / 1000) < tonumber(${expiresAt}) then
    redis.call('PEXPIREAT', ${index}, ${expiresAt})
  end
end`
}

/** Re-scores a member that is still listed (`XX`: never one that is gone), and keeps the index alive. */
function rescore(index: string, token: string, score: string, expiresAt: string): string {
  return `
if ${score} ~= '' then redis.call('ZADD', ${index}, 'XX', ${score}, ${token}) end
if ${expiresAt} ~= '' then ${outlive(index, expiresAt)} end`
}

/**
 * Stores an entry whole, replacing any there. KEYS[1] entry; ARGV[1] expiry (ms), ARGV[2...] its
 * field/value pairs. Returns the entry it replaced, as {@link decodeTaken} reads it.
 */
export const SET_ENTRY = script(`${take('KEYS[1]')}${write('KEYS[1]', 'ARGV[1]', 2)}
return taken`)

/**
 * Lists an entry in its index, scored by last use, and drops the two least recently used members when
 * their entry is gone (entry prefix given: standalone only): the members of expired entries, the least
 * recently used as a rule, go as the user logs in again, and any left are dropped by the next listing
 * or cap. KEYS[1] index; ARGV[1] token, ARGV[2] last use (ms), ARGV[3] expiry (ms), ARGV[4] the
 * entry key prefix or '', ARGV[5] 'newest' to score the member above every member listed (by 1/1024
 * ms when its last use is not already above them; the cluster's cap). Returns how many members the
 * index lists.
 */
export const INDEX = script(`
local score = ARGV[2]
if ARGV[5] == 'newest' then
  local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
  if top and tonumber(top) >= tonumber(score) then score = string.format('%.17g', tonumber(top) + 1 / 1024) end
end
redis.call('ZADD', KEYS[1], score, ARGV[1])
if ARGV[4] ~= '' then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, 1)) do
    if member ~= ARGV[1] and redis.call('EXISTS', ARGV[4] .. member) == 0 then redis.call('ZREM', KEYS[1], member) end
  end
end
${outlive('KEYS[1]', 'ARGV[3]')}
return redis.call('ZCARD', KEYS[1])`)

/**
 * Re-scores a listed member and keeps its index alive. KEYS[1] index; ARGV[1] token, ARGV[2] last use
 * (ms) or '', ARGV[3] expiry (ms) or ''.
 */
export const RESCORE = script(rescore('KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]'))

/**
 * Replaces an entry whole only if it exists, then re-scores its member when the index is given
 * (standalone). KEYS[1] entry, KEYS[2] index (optional); ARGV[1] token, ARGV[2] last use (ms),
 * ARGV[3] expiry (ms), ARGV[4...] field/value pairs. Returns 1 when it replaced, 0 when there was none.
 */
export const REPLACE_ENTRY = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${write('KEYS[1]', 'ARGV[3]', 4)}
if KEYS[2] then ${rescore('KEYS[2]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')} end
return 1`)

/**
 * Sets and removes some fields of an entry only if it exists under the category (and, with a version,
 * only if its version field equals it), then moves its expiry and re-scores its member when given.
 * KEYS[1] entry, KEYS[2] index (optional); ARGV[1] token, ARGV[2] stored category, ARGV[3] expected
 * version or '', ARGV[4] expiry (ms) or '', ARGV[5] last use (ms) or '', ARGV[6] n, ARGV[7...6+2n]
 * field/value pairs to set, the rest fields to remove. Returns 1 when it applied, 0 when not, -1 for a
 * release 0.1 entry (to be rewritten in this layout first).
 */
export const PATCH_ENTRY = script(`
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then return -1 end
if kind ~= 'hash' or redis.call('HGET', KEYS[1], 'c') ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' and (tonumber(redis.call('HGET', KEYS[1], 'v')) or 0) ~= tonumber(ARGV[3]) then return 0 end
local last = 6 + 2 * tonumber(ARGV[6])
if last > 6 then redis.call('HSET', KEYS[1], unpack(ARGV, 7, last)) end
if #ARGV > last then redis.call('HDEL', KEYS[1], unpack(ARGV, last + 1)) end
if ARGV[4] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
if KEYS[2] then ${rescore('KEYS[2]', 'ARGV[1]', 'ARGV[5]', 'ARGV[4]')} end
return 1`)

/**
 * Rewrites a release 0.1 entry in this layout, keeping its expiry, if it still holds the value read.
 * KEYS[1] entry; ARGV[1] the value read, ARGV[2...] field/value pairs. Returns 1 when it rewrote.
 */
export const MIGRATE_ENTRY = script(`
if redis.call('TYPE', KEYS[1]).ok ~= 'string' or redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`)

/** Removes an entry and returns it, as {@link decodeTaken} reads it. KEYS[1] entry. */
export const TAKE_ENTRY = script(`${take('KEYS[1]')}
if taken then redis.call('DEL', KEYS[1]) end
return taken`)

/**
 * Removes an entry and returns it, as {@link TAKE_ENTRY} does, unless its `lastAccessed` is later than
 * the last use it was ranked by (a session used since: the cluster's cap spares it, and this returns 0).
 * KEYS[1] entry; ARGV[1] last use (ms).
 */
export const TAKE_UNUSED = script(`
if redis.call('TYPE', KEYS[1]).ok == 'hash' and (tonumber(redis.call('HGET', KEYS[1], 'l')) or 0) > tonumber(ARGV[1]) then
  return 0
end${take('KEYS[1]')}
if taken then redis.call('DEL', KEYS[1]) end
return taken`)

/**
 * Deletes every entry of an index but one, and their members, atomically. KEYS[1] index; ARGV[1] the
 * entry key prefix, ARGV[2] the token to keep (optional).
 */
export const DELETE_ALL = script(`
local keep = ARGV[2]
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if token ~= keep then
    redis.call('UNLINK', ARGV[1] .. token)
    redis.call('ZREM', KEYS[1], token)
  end
end
`)

/**
 * Stores an entry and lists it, then removes the least recently used other entries of the category
 * (lowest score; ties: smallest firstAccessed) until `limit` remain, atomically, without decoding any.
 * One `EXISTS` over every member's key counts the live entries (members of expired entries are not
 * counted); the walk from the least recently used then reads only its candidates' `c` field (a release
 * 0.1 entry: its beginning) to skip and drop members whose entry is gone or belongs elsewhere, and only
 * members tied at the cut read their `f` field, as a number.
 * KEYS[1] index, KEYS[2] entry; ARGV[1] token, ARGV[2] last use (ms), ARGV[3] expiry (ms), ARGV[4]
 * entry key prefix, ARGV[5] limit, ARGV[6] stored category, ARGV[7] release 0.1 entry beginning,
 * ARGV[8...] field/value pairs. Returns the entry it replaced, then every entry it removed (as
 * {@link decodeTaken} reads them).
 */
export const SET_CAPPED = script(`${take('KEYS[2]')}${write('KEYS[2]', 'ARGV[3]', 8)}
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
${outlive('KEYS[1]', 'ARGV[3]')}
local result = { taken }
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
if #members <= tonumber(ARGV[5]) then return result end
local keys = {}
for position, member in ipairs(members) do keys[position] = ARGV[4] .. member end
local surplus = -tonumber(ARGV[5])
-- In slices: Lua's unpack takes at most a few thousand values.
for from = 1, #keys, 1000 do
  surplus = surplus + redis.call('EXISTS', unpack(keys, from, math.min(from + 999, #keys)))
end
if surplus <= 0 then return result end
-- 'mine', 'gone' (not counted by EXISTS) or 'other' (counted, but another category's).
local function owner(key)
  local category = redis.pcall('HGET', key, 'c')
  if type(category) == 'table' then
    local value = redis.call('GET', key)
    if not value then return 'gone' end
    return string.sub(value, 1, #ARGV[7]) == ARGV[7] and 'mine' or 'other'
  end
  if not category then return 'gone' end
  return category == ARGV[6] and 'mine' or 'other'
end
local victims = {}
local position = 1
while surplus > 0 and position <= #members do
  local member = members[position]
  if member ~= ARGV[1] then
    local state = owner(keys[position])
    if state == 'mine' then table.insert(victims, member) else redis.call('ZREM', KEYS[1], member) end
    if state ~= 'gone' then surplus = surplus - 1 end
  end
  position = position + 1
end
if #victims == 0 then return result end
local cut = redis.call('ZSCORE', KEYS[1], victims[#victims])
local tied = redis.call('ZRANGE', KEYS[1], cut, cut, 'BYSCORE')
if #tied > 1 then
  local kept, group, wanted = {}, {}, 0
  for _, victim in ipairs(victims) do
    if redis.call('ZSCORE', KEYS[1], victim) == cut then wanted = wanted + 1 else table.insert(kept, victim) end
  end
  for _, member in ipairs(tied) do
    if member ~= ARGV[1] and owner(ARGV[4] .. member) == 'mine' then
      local since = tonumber(redis.call('HGET', ARGV[4] .. member, 'f')) or 0
      table.insert(group, { member, since })
    end
  end
  table.sort(group, function(a, b)
    if a[2] ~= b[2] then return a[2] < b[2] end
    return a[1] < b[1]
  end)
  for rank = 1, wanted do table.insert(kept, group[rank][1]) end
  victims = kept
end
for _, victim in ipairs(victims) do
  local key = ARGV[4] .. victim
  ${take('key').trim().replace(/\n/g, '\n  ')}
  redis.call('UNLINK', key)
  redis.call('ZREM', KEYS[1], victim)
  table.insert(result, taken)
end
return result
`)
