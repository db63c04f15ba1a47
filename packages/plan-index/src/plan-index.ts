import type { RedisConnection } from '@ipbro/redis';
import type { PlanEntry } from './plan-entry';

export type ClaimResult =
  /** The person had no plan in force (none, or one completed, revoked or entered in error: `previous`): this one is theirs now. */
  | { kind: 'created'; entry: PlanEntry; previous?: PlanEntry }
  /** The same plan, this version at least as new: it replaces the entry. */
  | { kind: 'updated'; entry: PlanEntry }
  /** The same plan, but an older version than the one indexed: the entry stays. */
  | { kind: 'older'; entry: PlanEntry }
  /** A different plan that names the person's plan in force in CarePlan.replaces: it takes its place (`entry.replaced`). */
  | { kind: 'replaced'; entry: PlanEntry; replaced: PlanEntry }
  /** A different plan that is itself over (completed, revoked, entered in error): it claims nothing, the entry stays. */
  | { kind: 'ended'; existing: PlanEntry }
  /** The person already has a different plan in force, and this one does not say it replaces it. */
  | { kind: 'conflict'; existing: PlanEntry };

// One step in Redis, so two different plans sent at once cannot both become the person's plan.
// ARGV: the entry as JSON, its plan, its version. A replacing entry is stored with `replaced` (the
// plan it took the place of), kept through its later versions, so a retried message finds it again.
const CLAIM = `
local ended = { completed = true, revoked = true, ['entered-in-error'] = true }
local current = redis.call('GET', KEYS[1])
if not current then redis.call('SET', KEYS[1], ARGV[1]) return {'created', ARGV[1]} end
local old = cjson.decode(current)
local new = cjson.decode(ARGV[1])
if old.plan ~= ARGV[2] then
  if ended[old.status or ''] then redis.call('SET', KEYS[1], ARGV[1]) return {'created', ARGV[1], current} end
  if ended[new.status or ''] then return {'ended', current} end
  if type(new.replaces) == 'table' then
    for _, p in ipairs(new.replaces) do
      if p == old.plan then
        new.replaced = { plan = old.plan, owner = old.owner }
        local stored = cjson.encode(new)
        redis.call('SET', KEYS[1], stored)
        return {'replaced', stored, current}
      end
    end
  end
  return {'conflict', current}
end
if old.version > ARGV[3] then return {'older', current} end
local stored = ARGV[1]
if type(old.replaced) == 'table' and new.replaced == nil then
  new.replaced = old.replaced
  stored = cjson.encode(new)
end
redis.call('SET', KEYS[1], stored)
return {'updated', stored}
`;

/**
 * One plan per person (forskrift om habilitering, rehabilitering, IP og koordinator: one IP per
 * person). `{prefix}:plan:{patientKey}` holds the entry as JSON; patientKey is a keyed hash (see
 * patientKeyer), never a fødselsnummer.
 */
export class PlanIndex {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix = '{ipbro}'
  ) {
    const r = redis as unknown as { ipbroPlanClaim?: unknown };
    if (!r.ipbroPlanClaim) redis.defineCommand('ipbroPlanClaim', { numberOfKeys: 1, lua: CLAIM });
  }

  private key = (patientKey: string) => `${this.prefix}:plan:${patientKey}`;

  /**
   * Claims the person for this plan: the same plan updates (unless older); a different one is
   * refused while the person's plan is in force, unless it names that plan in CarePlan.replaces;
   * a plan completed, revoked or entered in error frees the person.
   */
  async claim(patientKey: string, entry: PlanEntry): Promise<ClaimResult> {
    const script = this.redis as unknown as { ipbroPlanClaim: (...a: string[]) => Promise<[string, string, string?]> };
    const [kind, raw, before] = await script.ipbroPlanClaim(
      this.key(patientKey),
      JSON.stringify(entry),
      entry.plan,
      entry.version
    );
    const stored = JSON.parse(raw) as PlanEntry;
    switch (kind) {
      case 'conflict':
      case 'ended':
        return { kind, existing: stored };
      case 'replaced':
        return { kind, entry: stored, replaced: JSON.parse(before as string) as PlanEntry };
      case 'created':
        return before ? { kind, entry: stored, previous: JSON.parse(before) as PlanEntry } : { kind, entry: stored };
      default:
        return { kind: kind as 'updated' | 'older', entry: stored };
    }
  }

  async get(patientKey: string): Promise<PlanEntry | undefined> {
    const raw = await this.redis.get(this.key(patientKey));
    return raw ? (JSON.parse(raw) as PlanEntry) : undefined;
  }
}
