import { APPEND_ENTRY_LUA } from './stream-append';

/**
 * Writes a record only if none exists, and indexes it in the same step (Redis Lua, atomic), so a
 * record is never without its state-set and message-id entries (a receipt finds messages by id);
 * with an entry to append (ARGV[3] non-empty), the entry lands with the record and only with it.
 * KEYS: record, the `queued` state set, the message-id set, then appendEntry's two streams.
 * ARGV: record JSON, ledger key, then appendEntry's maxLen, maxPer, ttl, text, indexed.
 * Returns { 1, the record written, the entry id or nil } or { 0, the record already there }.
 */
export const ENSURE_RECORD_SCRIPT = `${APPEND_ENTRY_LUA}
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  local id = false
  if ARGV[6] ~= '' then id = appendEntry(KEYS[4], KEYS[5], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) end
  return { 1, ARGV[1], id }
end
return { 0, redis.call('GET', KEYS[1]) }
`;
