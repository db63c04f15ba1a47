-- An active alert removed by the one dashboard that clears it (single-winner).
-- KEYS[1] the alerts hash (id → alert JSON)
-- ARGV[1] the alert's id
-- Reply: the removed alert's JSON, or nil when no alert had that id (another dashboard cleared it).
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v
