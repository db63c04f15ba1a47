-- A record moved to a new state, atomically: history appended, patch applied, state sets kept in
-- step, the body's retention set, and the move's audit entry appended, all or nothing.
-- KEYS[1] the record, KEYS[2] the state-set key prefix (`{prefix}:state:`; the set is prefix .. state),
-- KEYS[3] the body, KEYS[4] the audit trail, KEYS[5] the message's own audit stream,
-- KEYS[6] the receipt outbox: a record reaching a receipt state adds 'key|state' in the same step, so
-- no final state is ever without its receipt (the receipt worker drains it and finds the way back)
-- ARGV[1] the move, JSON:
--   to        the new state
--   from      the states the record must be in (absent: any)
--   detail    the history entry's detail (absent: none)
--   at        the time of the move (ISO)
--   patch     fields set on the record (attempts, recipient, receipt, discarded)
--   force     true: an operator's re-drive, which may leave a final state
--   bodyTtl   seconds the body is kept after `acknowledged` (absent: kept for good); a move out of
--             `acknowledged` keeps it again
--   readLength the history length of the record as the caller read it (absent: not read)
-- ARGV[2] the audit entry text ('' = none), ARGV[3] the trail's limits (see appendEntry)
-- Reply, when the move happens: { '1' .. the new record JSON, entry id or nil }, or { '1', entry id
-- or nil } when the stored record was the one the caller read (same history length: every write
-- after creation adds one entry and records are never deleted), so the caller builds the moved
-- record itself; when refused: { '0' .. the unchanged record }; nil when there is no record.
-- Refused: leaving a final state (acknowledged, rejected, blocked, dead) unless forced, which also
-- ignores a late `delivered` after `acknowledged`; and a record not in one of `from`.
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local rec = cjson.decode(raw)
local m = cjson.decode(ARGV[1])
local final = { acknowledged = true, rejected = true, blocked = true, dead = true }
if final[rec.state] and m.force ~= true then return { '0' .. raw } end
if m.from then
  local allowed = false
  for _, s in ipairs(m.from) do
    if rec.state == s then allowed = true end
  end
  if not allowed then return { '0' .. raw } end
end
local oldState = rec.state
local known = m.readLength and type(rec.history) == 'table' and #rec.history == m.readLength
rec.state = m.to
rec.updatedAt = m.at
local entry = { at = m.at, state = m.to }
if m.detail then entry.detail = m.detail end
if type(rec.history) ~= 'table' or next(rec.history) == nil then rec.history = {} end
table.insert(rec.history, entry)
if m.patch then
  for k, v in pairs(m.patch) do rec[k] = v end
end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out)
if oldState ~= m.to then
  redis.call('SREM', KEYS[2] .. oldState, rec.key)
  redis.call('SADD', KEYS[2] .. m.to, rec.key)
end
if m.bodyTtl then
  if m.to == 'acknowledged' then
    redis.call('EXPIRE', KEYS[3], m.bodyTtl)
  elseif oldState == 'acknowledged' then
    redis.call('PERSIST', KEYS[3])
  end
end
local receiptStates = { acknowledged = true, rejected = true, blocked = true, unroutable = true, dead = true }
if oldState ~= m.to and receiptStates[m.to] then
  redis.call('SADD', KEYS[6], rec.key .. '|' .. m.to)
end
local id = false
if ARGV[2] ~= '' then id = appendEntry(KEYS[4], KEYS[5], ARGV[2], ARGV[3]) end
if known then return { '1', id } end
return { '1' .. out, id }
