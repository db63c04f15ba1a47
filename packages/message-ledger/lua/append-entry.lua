-- appendEntry(trail, own, text, limits): the audit entry `text` appended to the stream `trail` and,
-- when limits.own is set, to the message's own list `own` as '<trail id> <text>' (one id per entry:
-- the log line, the trail and the message's list agree). A list, not a stream: a stream preallocates
-- a 4 KB node, which a message's few entries never fill.
-- Prepended to every script that appends an entry with the write it records.
-- limits: JSON { "max": trail length kept (approximate), "own": own list length kept, "ttl": own list expiry (s),
-- 0 = kept for good (AUDIT_RETENTION_DAYS=0) }.
-- Returns the entry id.
local function appendEntry(trail, own, text, limits)
  local l = cjson.decode(limits)
  local id = redis.call('XADD', trail, 'MAXLEN', '~', l.max, '*', 'record', text)
  if l.own then
    redis.call('RPUSH', own, id .. ' ' .. text)
    redis.call('LTRIM', own, -l.own, -1)
    if l.ttl > 0 then redis.call('EXPIRE', own, l.ttl) else redis.call('PERSIST', own) end
  end
  return id
end
