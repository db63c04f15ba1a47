-- The archive sweep's trim, only while its lock is still its own: a sweep whose lock ran out stops
-- before it trims, so only the holder's entries leave Redis. Renews the lock with the trim.
-- KEYS[1] the archive lock, KEYS[2] the audit trail stream
-- ARGV[1] the sweep's lock token, ARGV[2] the first id kept (XTRIM MINID), ARGV[3] the lock's lifetime (ms)
-- Reply: the number of entries trimmed, or -1 when the lock is not the sweep's (nothing trimmed).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2])
