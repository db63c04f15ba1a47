-- A meldeplikt's answer kept unless one given later (by `at`) is already kept: a late copy of an older
-- svar changes nothing; the same svar again overwrites itself.
-- KEYS[1] the answers hash (`{prefix}:answer`: meldeplikt ledger key → answer JSON)
-- ARGV[1] the meldeplikt's ledger key, ARGV[2] the answer JSON, ARGV[3] the svar's ledger key,
-- ARGV[4] the answer's time (ms since epoch)
-- Reply: 1 when stored, 0 when a later answer is kept.
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local c = cjson.decode(cur)
  if c.svar ~= ARGV[3] and tonumber(c.atMs) > tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
