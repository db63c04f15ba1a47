import { DEFAULT_THRESHOLDS, evaluateAlerts } from './alert-rules';
import { readLedger } from './ledger-snapshot';
import { recipientHealth } from './recipient-health';
import { ALESUND, ledgerFixture } from './test-support/ledger-fixture';

const fx = ledgerFixture();
afterAll(() => fx.close());
const t = { waitingMinutes: 10, recipientFailures: 3, deadMessages: 1, receiptOverdueMinutes: 30 };
const at = async (now: number) => {
  const records = await readLedger(fx.ledger);
  return evaluateAlerts({ records, health: recipientHealth(records), now }, t)
    .map((a) => a.id)
    .sort();
};

test('waiting too long, receipt overdue, recipient failing K in a row, dead messages; each clears when its condition ends', async () => {
  const waiting = await fx.message('w-1', [['retrying', 'attempt 1 of 9: HTTP 503']], ALESUND);
  const delivered = await fx.message('w-2', [['delivered', 'HTTP 202, receipt to follow']], ALESUND);
  const now = Date.now();
  expect(await at(now)).toEqual([]);
  expect(await at(now + 11 * 60000)).toEqual([`message-waiting:${waiting}`]);
  expect(await at(now + 31 * 60000)).toEqual([`message-waiting:${waiting}`, `receipt-overdue:${delivered}`]);

  await fx.message(
    'w-3',
    [
      ['retrying', 'attempt 1 of 2: HTTP 503'],
      ['dead', 'attempts exhausted (2); last: HTTP 503'],
    ],
    ALESUND
  );
  // w-2's delivery was the last success: two failures since, one short of the threshold.
  expect(await at(now)).toEqual(['dead-messages']);
  await new Promise((r) => setTimeout(r, 3));
  await fx.ledger.move({ key: waiting, to: 'retrying', detail: 'attempt 2 of 9: HTTP 503', patch: { attempts: 2 } });
  expect(await at(now)).toEqual(['dead-messages', 'recipient-failing:her:8100123']);

  await new Promise((r) => setTimeout(r, 3));
  await fx.ledger.move({ key: delivered, to: 'acknowledged', detail: 'receipt ok' });
  await fx.ledger.move({ key: waiting, to: 'acknowledged', detail: 'receipt ok' });
  // The recipient answered: no longer failing; the dead one still waits for an operator.
  expect(await at(now + 31 * 60000)).toEqual(['dead-messages']);
  await fx.ledger.move({
    key: '997005562:w-3',
    to: 'dead',
    detail: 'discarded by ops',
    patch: { discarded: { by: 'ops', at: new Date().toISOString(), reason: 'test' } },
    force: true,
  });
  expect(await at(now)).toEqual([]);
});

test('summaries carry metadata only; the dead rule can be turned off', async () => {
  const key = await fx.message('w-4', [['dead', 'attempts exhausted (1); last: HTTP 503']], ALESUND);
  const records = await readLedger(fx.ledger);
  const [dead] = evaluateAlerts({ records, health: [] }, DEFAULT_THRESHOLDS);
  expect(dead).toEqual({
    id: 'dead-messages',
    rule: 'dead-messages',
    summary: '1 dead message waiting for an operator (retry or discard)',
  });
  expect(evaluateAlerts({ records, health: [] }, { ...DEFAULT_THRESHOLDS, deadMessages: 0 })).toEqual([]);
  const [failing] = evaluateAlerts(
    { records, health: recipientHealth(records), now: Date.now() },
    { ...t, deadMessages: 0, recipientFailures: 1 }
  );
  expect(failing.summary).toBe('Ålesund kommune failed 1 times in a row; last: attempts exhausted (1); last: HTTP 503');
  expect(key).toBe('997005562:w-4');
});
