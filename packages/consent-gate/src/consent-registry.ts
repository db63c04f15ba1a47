import type { RedisConnection } from '@ipbro/redis';
import { DEFAULT_PREFIX, ledgerKeys } from '@ipbro/message-ledger';
import type { ConsentSummary } from './consent-summary';

/**
 * The latest version seen of each Consent of a patient, by the Consent's business identifier, so a
 * withdrawal that arrives while an older message waits is what the gate reads when that message is
 * delivered. Key: `{prefix}:consents:{patientKey}` (a hash; patientKey is a keyed hash of the
 * fødselsnummer, never the number itself). Only summaries are kept: status, period, category and
 * the organisations named, no clinical content.
 */
export class ConsentRegistry {
  private readonly key: (patientKey: string) => string;

  constructor(
    private readonly redis: RedisConnection,
    prefix = DEFAULT_PREFIX
  ) {
    this.key = ledgerKeys(prefix).consents;
  }

  /** Records these versions (those with an identifier); a version seen later replaces an earlier one. */
  async record(patientKey: string, consents: ConsentSummary[], seenAt = new Date().toISOString()): Promise<void> {
    const known = consents.filter((c) => c.identifier);
    if (!known.length) return;
    const args = known.flatMap((c) => [c.identifier as string, JSON.stringify({ ...c, seenAt })]);
    await this.redis.hset(this.key(patientKey), ...args);
  }

  async all(patientKey: string): Promise<ConsentSummary[]> {
    const values = await this.redis.hvals(this.key(patientKey));
    return values.map((v) => JSON.parse(v) as ConsentSummary);
  }

  /**
   * The consents to judge a message by: the message's own, each replaced by a version of the same
   * Consent the registry saw later, plus the patient's other known Consents (a deny seen in another
   * message still counts).
   */
  async current(
    patientKey: string,
    fromMessage: ConsentSummary[],
    messageReceivedAt: string
  ): Promise<ConsentSummary[]> {
    const stored = new Map((await this.all(patientKey)).map((c) => [c.identifier as string, c]));
    const out: ConsentSummary[] = [];
    for (const c of fromMessage) {
      const later = c.identifier ? stored.get(c.identifier) : undefined;
      if (later && c.identifier) stored.delete(c.identifier);
      out.push(later && (later.seenAt ?? '') > messageReceivedAt ? later : c);
    }
    return [...out, ...stored.values()];
  }
}
