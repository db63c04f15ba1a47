-- A block leased from a client's shared budget for one window: INCRBY the window's count and, for the
-- window's first lease, its expiry, in one step (the caller grants only what the count leaves).
-- KEYS[1] the client's counter for the window (`{prefix}:rate:{client}:{window}` or `…:rate-bytes:…`)
-- ARGV[1] the counter's lifetime (ms: to the window's end and a second more), ARGV[2] the block asked for
-- Reply: { the count after this lease, the counter's ms left (PTTL) }.
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }
