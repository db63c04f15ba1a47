-- appendEntry(trail, own, text, limits): the audit entry `text` appended to the stream `trail` and,
-- when limits.own is set, to the message's own stream `own` under the same id (one id per entry:
-- the log line, the trail and the message's stream agree; the trail's id is always above the own
-- stream's last). Prepended to every script that appends an entry with the write it records.
-- limits: JSON { "max": trail length kept (approximate), "own": own stream length kept, "ttl": own stream expiry (s) }.
-- Returns the entry id.
local function appendEntry(trail, own, text, limits)
  local l = cjson.decode(limits)
  local id = redis.call('XADD', trail, 'MAXLEN', '~', l.max, '*', 'record', text)
  if l.own then
    redis.call('XADD', own, 'MAXLEN', '~', l.own, id, 'record', text)
    redis.call('EXPIRE', own, l.ttl)
  end
  return id
end
