import { jobIdFor, type MessageLedger, type MessageRecord } from '@ipbro/message-ledger';
import { deliveryJobData, queueForEvent, type DeliveryJobData, type QueueName } from '@ipbro/queues';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Who did something, as the token named them (subject or client id, and the organisation). */
export interface Actor {
  id: string;
  orgnr?: string;
}

export interface AuditEntry {
  at: string;
  by: string;
  orgnr?: string;
  action: 'retry' | 'redrive' | 'discard';
  key?: string;
  messageId?: string;
  reason?: string;
  result: string;
}

/** A refused action: the message is not in a state the action applies to (HTTP 409), or unknown (404). */
export class ActionRefused extends Error {
  constructor(message: string, readonly status: 404 | 409) {
    super(message);
    this.name = 'ActionRefused';
  }
}

/** The system's audit trail, as far as operator actions need it (@ipbro/audit's AuditTrail fits). */
export interface OperatorAuditTrail {
  record(input: { event: 'operator.action'; messageId: string; outcome: 'success'; who: { clientId?: string; orgnr?: string }; sender?: string; messageEvent?: string; detail?: string }): Promise<unknown>;
}

const AUDIT_KEEP = 1000;
const by = (actor: Actor) => (actor.orgnr ? `${actor.id} (${actor.orgnr})` : actor.id);

/**
 * The operator's actions, through the ledger and the queues only (never BullMQ internals): the
 * ledger move is single-winner (transitionIf), and the job added after it carries the same routing
 * data the gateway gave the original, so the worker handles it as any other. Every action lands in
 * the message's history and in the audit list with who did it.
 */
export class OpsActions {
  private readonly auditKey: string;

  constructor(
    private readonly deps: { ledger: MessageLedger; queues: Partial<Record<QueueName, Queue<DeliveryJobData>>>; redis: Redis; prefix: string; trail?: OperatorAuditTrail }
  ) {
    this.auditKey = `${deps.prefix}:ops:audit`;
  }

  /** A dead or rejected message goes back to queued with a fresh set of attempts and a new job. */
  async retry(key: string, actor: Actor, reason = ''): Promise<MessageRecord> {
    const record = await this.existing(key);
    if (record.state !== 'dead' && record.state !== 'rejected') throw new ActionRefused(`Only a dead or rejected message can be retried; ${record.id} is ${record.state}`, 409);
    const detail = `retried by ${by(actor)}${reason ? `: ${reason}` : ''} (attempts were ${record.attempts})`;
    const moved = await this.deps.ledger.transitionIf(key, record.state, 'queued', detail, { attempts: 0 }, { force: true });
    if (!moved) throw new ActionRefused(`${record.id} changed meanwhile; look again`, 409);
    await this.enqueue(moved, `ops${moved.history.length}`);
    await this.audit({ by: actor, action: 'retry', record: moved, reason, result: 'queued' });
    return moved;
  }

  /** Unroutable messages (one, or all) back to queued with a new job; the router routes them again. */
  async redriveUnroutable(actor: Actor, key?: string): Promise<MessageRecord[]> {
    const keys = key ? [key] : await this.deps.ledger.listByState('unroutable');
    if (key && (await this.existing(key)).state !== 'unroutable') throw new ActionRefused(`${key} is not unroutable`, 409);
    const moved: MessageRecord[] = [];
    for (const k of keys) {
      const record = await this.deps.ledger.transitionIf(k, 'unroutable', 'queued', `re-driven by ${by(actor)}`);
      if (!record) continue;
      await this.enqueue(record, `ops${record.history.length}`);
      await this.audit({ by: actor, action: 'redrive', record, result: 'queued' });
      moved.push(record);
    }
    return moved;
  }

  /**
   * Ends a message by hand, with a reason: it becomes dead (a final state, so nothing disappears
   * silently) and is marked discarded, so alerts about dead messages no longer count it. A pending
   * job finds it final and does nothing.
   */
  async discard(key: string, actor: Actor, reason: string): Promise<MessageRecord> {
    if (!reason.trim()) throw new ActionRefused('A discard needs a reason', 409);
    const record = await this.existing(key);
    if (record.state === 'acknowledged') throw new ActionRefused(`${record.id} was acknowledged by its recipient; there is nothing to discard`, 409);
    if (record.discarded) throw new ActionRefused(`${record.id} was discarded already`, 409);
    const discarded = { by: by(actor), at: new Date().toISOString(), reason: reason.trim() };
    const moved = await this.deps.ledger.transitionIf(key, record.state, 'dead', `discarded by ${by(actor)}: ${reason.trim()}`, { discarded }, { force: true });
    if (!moved) throw new ActionRefused(`${record.id} changed meanwhile; look again`, 409);
    await this.audit({ by: actor, action: 'discard', record: moved, reason: reason.trim(), result: 'dead (discarded)' });
    return moved;
  }

  async auditTrail(limit = 100): Promise<AuditEntry[]> {
    return (await this.deps.redis.lrange(this.auditKey, 0, limit - 1)).map((s) => JSON.parse(s) as AuditEntry);
  }

  private async existing(key: string): Promise<MessageRecord> {
    const record = await this.deps.ledger.get(key);
    if (!record) throw new ActionRefused(`No message ${key}`, 404);
    return record;
  }

  /** Job id: the message's, plus the history length of the move (two clicks on one state give one job). */
  private async enqueue(record: MessageRecord, suffix: string): Promise<void> {
    const name = queueForEvent(record.event);
    const queue = this.deps.queues[name];
    if (!queue) throw new Error(`No queue ${name} configured`);
    const data = deliveryJobData({ key: record.key, messageId: record.id, sender: record.sender, event: record.event });
    await queue.add('deliver', data, { jobId: `${jobIdFor(record.key)}_${suffix}` });
  }

  private async audit(e: { by: Actor; action: AuditEntry['action']; record: MessageRecord; reason?: string; result: string }): Promise<void> {
    const entry: AuditEntry = { at: new Date().toISOString(), by: e.by.id, ...(e.by.orgnr ? { orgnr: e.by.orgnr } : {}), action: e.action, key: e.record.key, messageId: e.record.id, ...(e.reason ? { reason: e.reason } : {}), result: e.result };
    await this.deps.redis.multi().lpush(this.auditKey, JSON.stringify(entry)).ltrim(this.auditKey, 0, AUDIT_KEEP - 1).exec();
    // The same action in the system's audit trail, beside the message's receipt and deliveries.
    await this.deps.trail?.record({
      event: 'operator.action', messageId: e.record.id, outcome: 'success', who: { clientId: e.by.id, ...(e.by.orgnr ? { orgnr: e.by.orgnr } : {}) },
      sender: e.record.sender, messageEvent: e.record.event, detail: `${e.action}: ${e.result}${e.reason ? `; ${e.reason}` : ''}`,
    });
  }
}
