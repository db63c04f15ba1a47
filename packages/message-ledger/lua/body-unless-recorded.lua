-- Accept's first step: the body written unless the message has a record (a repeat leaves the body alone).
-- KEYS[1] the record, KEYS[2] the body
-- ARGV[1] the (sealed) body
-- Reply: the record's JSON when one exists; else nil, the body written.
local rec = redis.call('GET', KEYS[1])
if rec then return rec end
redis.call('SET', KEYS[2], ARGV[1])
return false
