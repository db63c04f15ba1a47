import type { AuditInput, AuditPort } from '@ipbro/audit';
import { ledgerKeys, requeueJobIdFor } from '@ipbro/message-ledger';
import type { MessageLedger, MessageRecord, MessageState, MovePatch } from '@ipbro/message-ledger';
import { addHeldJob, deliveryJobData, queueForEvent, type DeliveryJobData, type QueueName } from '@ipbro/queues';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '@ipbro/redis';

/** Who did something, as the token named them (subject or client id, and the organisation). */
export interface Actor {
  id: string;
  orgnr?: string;
}

/** An operator's action in the ops' own list of recent actions (the dashboard's). */
export interface OperatorAction {
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
  constructor(
    message: string,
    readonly status: 404 | 409
  ) {
    super(message);
    this.name = 'ActionRefused';
  }
}

const ACTIONS_KEPT = 1000;
const by = (actor: Actor) => (actor.orgnr ? `${actor.id} (${actor.orgnr})` : actor.id);

/**
 * The operator's actions, through the ledger and the queues only (never BullMQ internals): the
 * ledger move is single-winner (MessageLedger.move from the state it was read in), and the job held for it carries the same routing
 * data the gateway gave the original, so the worker handles it as any other. Every action lands in
 * the message's history and in the audit list with who did it.
 */
export class OpsActions {
  private readonly actionsKey: string;

  constructor(
    private readonly deps: {
      ledger: MessageLedger;
      queues: Partial<Record<QueueName, Queue<DeliveryJobData>>>;
      redis: RedisConnection;
      prefix: string;
      /** The system's audit trail, where each action is recorded with its move. */
      audit?: AuditPort;
      /** addHeldJob's hold (default 30 s). */
      holdMs?: number;
    }
  ) {
    this.actionsKey = ledgerKeys(deps.prefix).opsActions;
  }

  /** A dead or rejected message goes back to queued with a fresh set of attempts and a new job. */
  async retry(key: string, actor: Actor, reason = ''): Promise<MessageRecord> {
    const record = await this.existing(key);
    if (record.state !== 'dead' && record.state !== 'rejected')
      throw new ActionRefused(`Only a dead or rejected message can be retried; ${record.id} is ${record.state}`, 409);
    const detail = `retried by ${by(actor)}${reason ? `: ${reason}` : ''} (attempts were ${record.attempts})`;
    const action = { by: actor, action: 'retry' as const, reason, result: 'queued' };
    const job = await this.holdJob(record);
    const moved = await this.move(
      record,
      { from: record.state, to: 'queued', detail, patch: { attempts: 0 }, force: true },
      action
    );
    if (!moved) throw new ActionRefused(`${record.id} changed meanwhile; look again`, 409);
    await job.release();
    await this.listAction({ ...action, record: moved });
    return moved;
  }

  /** Unroutable messages (one, or all) back to queued with a new job; the router routes them again. */
  async redriveUnroutable(actor: Actor, key?: string): Promise<MessageRecord[]> {
    const candidates = key
      ? [await this.existing(key)]
      : await this.deps.ledger.getMany(await this.deps.ledger.listByState('unroutable'));
    if (key && candidates[0].state !== 'unroutable') throw new ActionRefused(`${key} is not unroutable`, 409);
    const moved: MessageRecord[] = [];
    const action = { by: actor, action: 'redrive' as const, result: 'queued' };
    for (const found of candidates) {
      if (found.state !== 'unroutable') continue;
      const job = await this.holdJob(found);
      const record = await this.move(
        found,
        { from: 'unroutable', to: 'queued', detail: `re-driven by ${by(actor)}`, patch: {}, force: false },
        action
      );
      if (!record) continue;
      await job.release();
      await this.listAction({ ...action, record });
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
    if (record.state === 'acknowledged')
      throw new ActionRefused(`${record.id} was acknowledged by its recipient; there is nothing to discard`, 409);
    if (record.discarded) throw new ActionRefused(`${record.id} was discarded already`, 409);
    const discarded = { by: by(actor), at: new Date().toISOString(), reason: reason.trim() };
    const action = { by: actor, action: 'discard' as const, reason: reason.trim(), result: 'dead (discarded)' };
    const detail = `discarded by ${by(actor)}: ${reason.trim()}`;
    const moved = await this.move(
      record,
      { from: record.state, to: 'dead', detail, patch: { discarded }, force: true },
      action
    );
    if (!moved) throw new ActionRefused(`${record.id} changed meanwhile; look again`, 409);
    await this.listAction({ ...action, record: moved });
    return moved;
  }

  /** The latest operator actions, newest first. */
  async recentActions(limit = 100): Promise<OperatorAction[]> {
    return (await this.deps.redis.lrange(this.actionsKey, 0, limit - 1)).map((s) => JSON.parse(s) as OperatorAction);
  }

  private async existing(key: string): Promise<MessageRecord> {
    const record = await this.deps.ledger.get(key);
    if (!record) throw new ActionRefused(`No message ${key}`, 404);
    return record;
  }

  /**
   * The new job of a retry or re-drive, added before the ledger move and held until it (addHeldJob):
   * a crash between the two never leaves a message queued without a job. One job id for everyone who
   * races to queue it again (requeueJobIdFor: two clicks, an operator and a router's sweep).
   */
  private async holdJob(record: MessageRecord): Promise<{ release(): Promise<boolean> }> {
    const name = queueForEvent(record.event);
    const queue = this.deps.queues[name];
    if (!queue) throw new Error(`No queue ${name} configured`);
    const data = deliveryJobData({ key: record.key, messageId: record.id, sender: record.sender, event: record.event });
    return addHeldJob(queue, 'deliver', data, requeueJobIdFor(record), this.deps.holdMs);
  }

  /**
   * The single-winner ledger move of an action, with the action's record in the system's audit
   * trail in the same Redis step. Undefined when the record was no longer in `from` (nothing moved,
   * nothing recorded).
   */
  private async move(
    record: MessageRecord,
    change: { from: MessageState; to: MessageState; detail: string; patch: MovePatch; force: boolean },
    action: Omit<ActionDone, 'record'>
  ): Promise<MessageRecord | undefined> {
    const moved = await this.deps.ledger.move({
      key: record.key,
      ...change,
      audit: this.deps.audit?.prepare(trailInput({ ...action, record })),
    });
    return moved.changed ? moved.record : undefined;
  }

  /** The action in the ops' own list (the dashboard's "recent actions"). */
  private async listAction(e: ActionDone): Promise<void> {
    const entry: OperatorAction = {
      at: new Date().toISOString(),
      by: e.by.id,
      ...(e.by.orgnr ? { orgnr: e.by.orgnr } : {}),
      action: e.action,
      key: e.record.key,
      messageId: e.record.id,
      ...(e.reason ? { reason: e.reason } : {}),
      result: e.result,
    };
    await this.deps.redis
      .multi()
      .lpush(this.actionsKey, JSON.stringify(entry))
      .ltrim(this.actionsKey, 0, ACTIONS_KEPT - 1)
      .exec();
  }
}

interface ActionDone {
  by: Actor;
  action: OperatorAction['action'];
  record: MessageRecord;
  reason?: string;
  result: string;
}

/** An action as the system's audit trail keeps it, beside the message's receipt and deliveries. */
function trailInput(e: ActionDone): AuditInput {
  return {
    event: 'operator.action',
    messageId: e.record.id,
    outcome: 'success',
    who: { clientId: e.by.id, ...(e.by.orgnr ? { orgnr: e.by.orgnr } : {}) },
    sender: e.record.sender,
    messageEvent: e.record.event,
    detail: `${e.action}: ${e.result}${e.reason ? `; ${e.reason}` : ''}`,
  };
}
