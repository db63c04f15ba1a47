-- An active alert's summary refreshed, only while it is active (never raises a cleared one again);
-- the caller keeps its `since`, read from the store.
-- KEYS[1] the alerts hash (id → alert JSON)
-- ARGV[1] the alert's id, ARGV[2] the alert JSON
-- Reply: 1.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
