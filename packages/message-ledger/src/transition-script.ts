import { APPEND_ENTRY_LUA } from './stream-append';

/**
 * Atomic state change of one record (Redis Lua, cjson). KEYS: record, state-set prefix, body, then
 * appendEntry's two streams. ARGV: new state, detail, at, patch JSON, force ('1' lets an operator
 * re-drive a final state), expected state ('' = any: the change happens only from that state), body
 * retention seconds after `acknowledged` ('' = keep: the body of a message the recipient took and
 * confirmed is no longer needed for delivery, and keeping every body for good would grow Redis
 * without bound; a forced change out of `acknowledged` keeps the body again), then appendEntry's
 * maxLen, maxPer, ttl, text ('' = none), indexed: the entry is appended only when the change happens;
 * then the history length of the record as the caller read it ('' = not read).
 * Returns { '1' + the new record JSON, the entry id or nil }, or { '1', the entry id or nil } when the
 * caller's record was the stored one (the same history length: every write after creation adds one
 * entry, and records are never deleted), so the caller builds the new record itself (movedRecord)
 * instead of parsing it back; or { '0' + the unchanged record } when the change is not allowed:
 * - a final state (acknowledged, rejected, blocked, dead) is left only when forced;
 * - `delivered` after `acknowledged` is ignored: a receipt may overtake the delivery bookkeeping.
 */
export const TRANSITION_SCRIPT = `${APPEND_ENTRY_LUA}
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local rec = cjson.decode(raw)
local newState, detail, at, patch, force, expected = ARGV[1], ARGV[2], ARGV[3], cjson.decode(ARGV[4]), ARGV[5], ARGV[6]
local final = { acknowledged = true, rejected = true, blocked = true, dead = true }
if final[rec.state] and force ~= '1' then return { '0' .. raw } end
if expected ~= '' and rec.state ~= expected then return { '0' .. raw } end
local oldState = rec.state
local known = ARGV[13] ~= '' and type(rec.history) == 'table' and #rec.history == tonumber(ARGV[13])
rec.state = newState
rec.updatedAt = at
local entry = { at = at, state = newState }
if detail ~= '' then entry.detail = detail end
if type(rec.history) ~= 'table' or next(rec.history) == nil then rec.history = {} end
table.insert(rec.history, entry)
for k, v in pairs(patch) do rec[k] = v end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out)
if oldState ~= newState then
  redis.call('SREM', KEYS[2] .. oldState, rec.key)
  redis.call('SADD', KEYS[2] .. newState, rec.key)
end
if ARGV[7] ~= '' then
  if newState == 'acknowledged' then
    redis.call('EXPIRE', KEYS[3], tonumber(ARGV[7]))
  elseif oldState == 'acknowledged' then
    redis.call('PERSIST', KEYS[3])
  end
end
local id = false
if ARGV[11] ~= '' then id = appendEntry(KEYS[4], KEYS[5], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]) end
if known then return { '1', id } end
return { '1' .. out, id }
`;
