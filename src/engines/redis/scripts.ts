import { script } from './connection'

// Every script touches only the keys it declares, except DELETE_ALL and SET_CAPPED, which run on one
// node only (a cluster would refuse their per-member keys, which lie in other slots).

// Drops members whose entries have expired and makes the index live exactly as long as its longest
// member. KEYS[1] index, ARGV[3] now (ms).
const PRUNE_AND_EXPIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
`

/**
 * Adds (or re-scores) a member and returns how many the index holds. KEYS[1] index; ARGV[1] token,
 * ARGV[2] expiry (ms), ARGV[3] now (ms).
 */
export const INDEX = script(
  `redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])${PRUNE_AND_EXPIRE}return redis.call('ZCARD', KEYS[1])`
)

/**
 * Moves a member's expiry later, never adding a member that is gone: an update racing a delete must
 * not bring the deleted entry back into the index. Same keys and arguments as {@link INDEX}.
 */
export const REINDEX = script(`redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[2], ARGV[1])${PRUNE_AND_EXPIRE}`)

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
 * Stores an entry and indexes it, then, while the index lists more than the limit, removes the least
 * recently used other entry (smallest lastAccessed, then firstAccessed), atomically. Members whose
 * entry is gone or belongs elsewhere are dropped on the way. KEYS[1] index; ARGV[1] token, ARGV[2]
 * expiry (ms), ARGV[3] now (ms), ARGV[4] entry key prefix, ARGV[5] the entry, ARGV[6] the limit,
 * ARGV[7] the category. Returns the entry it replaced (or false), then every entry it removed.
 */
export const SET_CAPPED = script(`
local previous = redis.call('SET', ARGV[4] .. ARGV[1], ARGV[5], 'PXAT', ARGV[2], 'GET')
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
${PRUNE_AND_EXPIRE}
local result = { previous }
local surplus = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if surplus <= 0 then return result end
local others = {}
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if token ~= ARGV[1] then
    local value = redis.call('GET', ARGV[4] .. token)
    local ok, entry = false, nil
    if value then ok, entry = pcall(cjson.decode, value) end
    if ok and type(entry) == 'table' and entry[1] == ARGV[7] and type(entry[2]) == 'table' then
      local fields = entry[2]
      local used = tonumber(fields.l or fields.lastAccessed) or 0
      local first = tonumber(fields.f or fields.firstAccessed) or 0
      table.insert(others, { token = token, value = value, used = used, first = first })
    else
      redis.call('ZREM', KEYS[1], token)
      surplus = surplus - 1
    end
  end
end
table.sort(others, function(a, b)
  if a.used ~= b.used then return a.used < b.used end
  return a.first < b.first
end)
for position = 1, math.min(surplus, #others) do
  local victim = others[position]
  redis.call('UNLINK', ARGV[4] .. victim.token)
  redis.call('ZREM', KEYS[1], victim.token)
  table.insert(result, victim.value)
end
return result
`)
