-- The archive sweep's lock released, only while it is still the sweep's own (another sweep's is left alone).
-- KEYS[1] the archive lock
-- ARGV[1] the sweep's lock token
-- Reply: 1 when released, 0 when the lock was not the sweep's (or gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
