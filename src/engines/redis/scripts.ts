import { script } from './connection'

// Every script touches only the keys it declares, except DELETE_ALL, which runs on standalone Redis
// only (a cluster would refuse its per-member keys, which lie in other slots).

// Drops members whose entries have expired and makes the index live exactly as long as its longest
// member. KEYS[1] index, ARGV[3] now (ms).
const PRUNE_AND_EXPIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
`

/** Adds (or re-scores) a member. KEYS[1] index; ARGV[1] token, ARGV[2] expiry (ms), ARGV[3] now (ms). */
export const INDEX = script(`redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])${PRUNE_AND_EXPIRE}`)

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
