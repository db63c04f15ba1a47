-- A record (the seen mark) written only if none exists, with its indexes in the same step, so a
-- record is never without its state-set and message-id entries (a receipt finds messages by id);
-- an audit entry, when given, lands with the record and only with it.
-- KEYS[1] the record, KEYS[2] the `queued` state set, KEYS[3] the message-id set,
-- KEYS[4] the audit trail, KEYS[5] the message's own audit stream
-- ARGV[1] the record JSON, ARGV[2] the ledger key, ARGV[3] the audit entry text ('' = none),
-- ARGV[4] the trail's limits (see appendEntry)
-- Reply: { 1, the record written, the entry id or nil } or { 0, the record already there }.
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  local id = false
  if ARGV[3] ~= '' then id = appendEntry(KEYS[4], KEYS[5], ARGV[3], ARGV[4]) end
  return { 1, ARGV[1], id }
end
return { 0, redis.call('GET', KEYS[1]) }
