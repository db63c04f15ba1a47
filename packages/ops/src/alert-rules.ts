import { FINAL_STATES, type MessageRecord } from '@ipbro/message-ledger';
import { answerOverdueAlerts, unroutableAlert } from './loop-alerts';
import type { RecipientHealth } from './recipient-health';

/** Thresholds of the alert rules, from configuration (ALERT_* settings of the ops-dashboard). */
export interface AlertThresholds {
  /** A message queued or retrying for longer than this. */
  waitingMinutes: number;
  /** A recipient whose last K attempts all failed. */
  recipientFailures: number;
  /** At least this many dead messages not yet handled (retried or discarded); 0 turns the rule off. */
  deadMessages: number;
  /** Delivered, and no receipt for longer than this. */
  receiptOverdueMinutes: number;
  /** A meldeplikt the kommune got with no meldeplikt-svar for longer than this; unset or 0: off. */
  answerOverdueDays?: number;
  /** At least this many unroutable messages; unset or 0: off. */
  unroutableMessages?: number;
}

export const DEFAULT_THRESHOLDS: Required<AlertThresholds> = {
  waitingMinutes: 15,
  recipientFailures: 3,
  deadMessages: 1,
  receiptOverdueMinutes: 60,
  answerOverdueDays: 7,
  unroutableMessages: 1,
};

export type AlertRule =
  | 'message-waiting'
  | 'recipient-failing'
  | 'dead-messages'
  | 'receipt-overdue'
  | 'answer-overdue'
  | 'unroutable-messages';

/** A condition that holds now. `id` is stable while it holds, so raising and clearing pair up. Metadata only. */
export interface AlertCondition {
  id: string;
  rule: AlertRule;
  summary: string;
  subject?: string;
}

const minutes = (ms: number) => Math.floor(ms / 60000);
const since = (record: MessageRecord, state: string): number => {
  for (let i = record.history.length - 1; i >= 0; i--)
    if (record.history[i].state !== state) return Date.parse(record.history[i + 1]?.at ?? record.updatedAt);
  return Date.parse(record.history[0]?.at ?? record.receivedAt);
};

/**
 * Every rule over the ledger and the recipients' health, at `now`. `answered`: the ledger keys of the
 * meldeplikter with a meldeplikt-svar (the answer-overdue rule runs only when given). A consent's
 * `blocked` is a correct outcome: no rule counts it.
 */
export function evaluateAlerts(
  input: { records: MessageRecord[]; health: RecipientHealth[]; now?: number; answered?: ReadonlySet<string> },
  t: AlertThresholds
): AlertCondition[] {
  const now = input.now ?? Date.now();
  const out: AlertCondition[] = [];
  for (const r of input.records) {
    if (FINAL_STATES.includes(r.state)) continue;
    if ((r.state === 'queued' || r.state === 'retrying') && now - Date.parse(r.receivedAt) > t.waitingMinutes * 60000) {
      out.push({
        id: `message-waiting:${r.key}`,
        rule: 'message-waiting',
        subject: r.id,
        summary: `${r.event} ${r.id} from ${r.sender} has waited ${minutes(now - Date.parse(r.receivedAt))} min (${r.state}, ${r.attempts} attempts)`,
      });
    }
    if (r.state === 'delivered' && now - since(r, 'delivered') > t.receiptOverdueMinutes * 60000) {
      out.push({
        id: `receipt-overdue:${r.key}`,
        rule: 'receipt-overdue',
        subject: r.id,
        summary: `no receipt for ${r.event} ${r.id} from ${r.sender} ${minutes(now - since(r, 'delivered'))} min after delivery to ${r.recipient?.name ?? 'its recipient'}`,
      });
    }
  }
  for (const h of input.health) {
    if (h.consecutiveFailures >= t.recipientFailures) {
      out.push({
        id: `recipient-failing:${h.id}`,
        rule: 'recipient-failing',
        subject: h.id,
        summary: `${h.name ?? h.id} failed ${h.consecutiveFailures} times in a row${h.lastError ? `; last: ${h.lastError}` : ''}`,
      });
    }
  }
  if (t.deadMessages > 0) {
    const dead = input.records.filter((r) => r.state === 'dead' && !r.discarded).length;
    if (dead >= t.deadMessages)
      out.push({
        id: 'dead-messages',
        rule: 'dead-messages',
        summary: `${dead} dead message${dead === 1 ? '' : 's'} waiting for an operator (retry or discard)`,
      });
  }
  if (input.answered && t.answerOverdueDays)
    out.push(...answerOverdueAlerts(input.records, input.answered, t.answerOverdueDays, now));
  out.push(...unroutableAlert(input.records, t.unroutableMessages ?? 0));
  return out;
}
