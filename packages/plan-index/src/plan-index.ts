import type { RedisConnection } from '@ipbro/redis';
import type { PlanEntry } from './plan-entry';

export type ClaimResult =
  /** The person had no plan: this one is theirs now. */
  | { kind: 'created'; entry: PlanEntry }
  /** The same plan, this version at least as new: it replaces the entry. */
  | { kind: 'updated'; entry: PlanEntry }
  /** The same plan, but an older version than the one indexed: the entry stays. */
  | { kind: 'older'; entry: PlanEntry }
  /** The person already has a different plan. */
  | { kind: 'conflict'; existing: PlanEntry };

// One step in Redis, so two different plans sent at once cannot both become the person's plan.
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if not current then redis.call('SET', KEYS[1], ARGV[1]) return {'created', ARGV[1]} end
local old = cjson.decode(current)
if old.plan ~= ARGV[2] then return {'conflict', current} end
if old.version > ARGV[3] then return {'older', current} end
redis.call('SET', KEYS[1], ARGV[1])
return {'updated', ARGV[1]}
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

  async claim(patientKey: string, entry: PlanEntry): Promise<ClaimResult> {
    const [kind, raw] = await (this.redis as unknown as { ipbroPlanClaim: (...a: string[]) => Promise<[string, string]> }).ipbroPlanClaim(
      this.key(patientKey), JSON.stringify(entry), entry.plan, entry.version
    );
    const stored = JSON.parse(raw) as PlanEntry;
    return kind === 'conflict' ? { kind, existing: stored } : { kind: kind as 'created' | 'updated' | 'older', entry: stored };
  }

  async get(patientKey: string): Promise<PlanEntry | undefined> {
    const raw = await this.redis.get(this.key(patientKey));
    return raw ? (JSON.parse(raw) as PlanEntry) : undefined;
  }
}
