-- A person claimed for a plan in one step, so two different plans sent at once cannot both become
-- the person's plan. A replacing entry is stored with `replaced` (the plan it took the place of),
-- kept through its later versions, so a retried message finds it again.
-- KEYS[1] the person's plan entry (`{prefix}:plan:{patientKey}`)
-- ARGV[1] the new entry JSON, ARGV[2] its plan, ARGV[3] its version,
-- ARGV[4] the statuses that end a plan, space-separated (ENDED_PLAN_STATUSES)
-- Reply: { kind, the entry now stored (or the one in the way) JSON, the entry before JSON or nil }:
--   created  no plan in force (none, or one ended: then the ended entry as third), the new one stored
--   updated  the same plan, at least as new: stored (keeping an earlier `replaced`)
--   older    the same plan, an older version: the stored entry unchanged
--   replaced a different plan naming the one in force in `replaces`: stored with `replaced`, the old as third
--   ended    a different plan that is itself over: it claims nothing, the stored entry
--   conflict a different plan while the person's is in force: the stored entry
local ended = {}
for status in string.gmatch(ARGV[4], '%S+') do ended[status] = true end
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1])
  return { 'created', ARGV[1] }
end
local old = cjson.decode(current)
local new = cjson.decode(ARGV[1])
if old.plan ~= ARGV[2] then
  if ended[old.status or ''] then
    redis.call('SET', KEYS[1], ARGV[1])
    return { 'created', ARGV[1], current }
  end
  if ended[new.status or ''] then return { 'ended', current } end
  if type(new.replaces) == 'table' then
    for _, p in ipairs(new.replaces) do
      if p == old.plan then
        new.replaced = { plan = old.plan, owner = old.owner }
        local stored = cjson.encode(new)
        redis.call('SET', KEYS[1], stored)
        return { 'replaced', stored, current }
      end
    end
  end
  return { 'conflict', current }
end
if old.version > ARGV[3] then return { 'older', current } end
local stored = ARGV[1]
if type(old.replaced) == 'table' and new.replaced == nil then
  new.replaced = old.replaced
  stored = cjson.encode(new)
end
redis.call('SET', KEYS[1], stored)
return { 'updated', stored }
