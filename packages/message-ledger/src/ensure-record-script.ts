/**
 * Writes a record only if none exists, and indexes it in the same step (Redis Lua, atomic), so a
 * record is never without its state-set and message-id entries (a receipt finds messages by id).
 * KEYS: record, the `queued` state set, the message-id set. ARGV: record JSON, ledger key.
 * Returns { 1, the record written } or { 0, the record already there }.
 */
export const ENSURE_RECORD_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  return { 1, ARGV[1] }
end
return { 0, redis.call('GET', KEYS[1]) }
`;
