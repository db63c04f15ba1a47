import type { RedisConnection } from '@ipbro/redis';
import { DEFAULT_PREFIX, ledgerKeys } from '@ipbro/message-ledger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDED_PLAN_STATUSES, type PlanEntry } from './plan-entry';

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

/** The claim script (lua/claim.lua: KEYS, ARGV and reply in its header), read once; lua/ is beside both src/ and dist/. */
const CLAIM = readFileSync(join(__dirname, '..', 'lua', 'claim.lua'), 'utf8');
const ENDED = ENDED_PLAN_STATUSES.join(' ');

type ClaimReply = [kind: string, stored: string, before?: string];
type ClaimingRedis = RedisConnection & { ipbroPlanClaim(...args: string[]): Promise<ClaimReply> };

/**
 * One plan per person (forskrift om habilitering, rehabilitering, IP og koordinator: one IP per
 * person). ledgerKeys' `plan` key (`{prefix}:plan:{patientKey}`) holds the entry as JSON;
 * patientKey is a keyed hash (see patientKeyer), never a fødselsnummer.
 */
export class PlanIndex {
  private readonly redis: ClaimingRedis;
  private readonly key: (patientKey: string) => string;

  constructor(redis: RedisConnection, prefix = DEFAULT_PREFIX) {
    // Defined once per connection (ioredis runs it by EVALSHA, loading it on first use).
    if (!('ipbroPlanClaim' in redis)) redis.defineCommand('ipbroPlanClaim', { numberOfKeys: 1, lua: CLAIM });
    this.redis = redis as ClaimingRedis;
    this.key = ledgerKeys(prefix).plan;
  }

  /**
   * Claims the person for this plan: the same plan updates (unless older); a different one is
   * refused while the person's plan is in force, unless it names that plan in CarePlan.replaces;
   * a plan completed, revoked or entered in error frees the person.
   */
  async claim(patientKey: string, entry: PlanEntry): Promise<ClaimResult> {
    const [kind, raw, before] = await this.redis.ipbroPlanClaim(
      this.key(patientKey),
      JSON.stringify(entry),
      entry.plan,
      entry.version,
      ENDED
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
