import type { MessageRecord } from '@ipbro/message-ledger';
import type { AlertCondition } from './alert-rules';

const DAY_MS = 24 * 3600 * 1000;

/** When the kommune had the meldeplikt: its first delivered or acknowledged entry. */
function receivedByKommuneAt(record: MessageRecord): number | undefined {
  const taken = record.history.find((h) => h.state === 'delivered' || h.state === 'acknowledged');
  return taken ? Date.parse(taken.at) : undefined;
}

/**
 * A meldeplikt the kommune took (delivered or acknowledged) with no meldeplikt-svar `days` after it
 * got it: the ward is still waiting to hear who the koordinator is. `answered` holds the ledger keys
 * of the meldeplikter that have an answer. Metadata only: ids, organisations, days.
 */
export function answerOverdueAlerts(
  records: MessageRecord[],
  answered: ReadonlySet<string>,
  days: number,
  now: number
): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const r of records) {
    if (r.event !== 'meldeplikt' || (r.state !== 'delivered' && r.state !== 'acknowledged') || answered.has(r.key))
      continue;
    const since = receivedByKommuneAt(r);
    if (since === undefined || now - since <= days * DAY_MS) continue;
    const waited = Math.floor((now - since) / DAY_MS);
    const kommune = r.recipient?.name ?? 'the kommune';
    out.push({
      id: `answer-overdue:${r.key}`,
      rule: 'answer-overdue',
      subject: r.id,
      summary: `no meldeplikt-svar for meldeplikt ${r.id} from ${r.sender} ${waited} days after ${kommune} got it`,
    });
  }
  return out;
}

/**
 * Messages kept `unroutable` (no recipient known: a kommune or organisation missing from the
 * directory), at least `threshold` of them: one alert naming up to three, with why.
 */
export function unroutableAlert(records: MessageRecord[], threshold: number): AlertCondition[] {
  const parked = records.filter((r) => r.state === 'unroutable');
  if (threshold <= 0 || parked.length < threshold) return [];
  const some = parked
    .slice(0, 3)
    .map((r) => `${r.event} ${r.id}${r.history.at(-1)?.detail ? ` (${r.history.at(-1)?.detail})` : ''}`)
    .join('; ');
  const n = parked.length;
  return [
    {
      id: 'unroutable-messages',
      rule: 'unroutable-messages',
      summary: `${n} unroutable message${n === 1 ? '' : 's'}, kept until the directory knows the recipient: ${some}${n > 3 ? ' …' : ''}`,
    },
  ];
}
