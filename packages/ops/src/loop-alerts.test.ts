import { DEFAULT_THRESHOLDS, evaluateAlerts } from './alert-rules';
import { readLedger } from './ledger-snapshot';
import { recipientHealth } from './recipient-health';
import { ALESUND, ledgerFixture } from './test-support/ledger-fixture';

const fx = ledgerFixture();
afterAll(() => fx.close());
const DAY = 24 * 3600 * 1000;
const off = { waitingMinutes: 1e9, recipientFailures: 1e9, deadMessages: 0, receiptOverdueMinutes: 1e9 };
const ids = async (now: number, answered: ReadonlySet<string> | undefined, t: object) => {
  const records = await readLedger(fx.ledger);
  return evaluateAlerts(
    { records, health: recipientHealth(records), now, ...(answered ? { answered } : {}) },
    { ...off, ...t }
  )
    .map((a) => a.id)
    .sort();
};

test('a meldeplikt the kommune got, no meldeplikt-svar after ALERT_ANSWER_OVERDUE_DAYS: answer-overdue; an answer clears it', async () => {
  const acked = await fx.message(
    'a-1',
    [
      ['delivered', 'HTTP 202, receipt to follow'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND
  );
  const delivered = await fx.message('a-2', [['delivered', 'HTTP 202, receipt to follow']], ALESUND);
  // Not answers anyone waits for: one the kommune never got, a document, and the svar itself.
  await fx.message('a-3', [['rejected', 'HTTP 400']], ALESUND);
  await fx.message(
    'a-4',
    [
      ['delivered', 'HTTP 202'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND,
    'epikrise'
  );
  await fx.message('a-5', [['acknowledged', 'receipt ok']], ALESUND, 'meldeplikt-svar');
  const now = Date.now();
  const t = { answerOverdueDays: 7 };
  expect(await ids(now + 6 * DAY, new Set(), t)).toEqual([]);
  expect(await ids(now + 8 * DAY, new Set(), t)).toEqual([`answer-overdue:${acked}`, `answer-overdue:${delivered}`]);
  expect(await ids(now + 8 * DAY, new Set([acked]), t)).toEqual([`answer-overdue:${delivered}`]);
  // Without the answers known, or with the rule off, nothing is claimed.
  expect(await ids(now + 8 * DAY, undefined, t)).toEqual([]);
  expect(await ids(now + 8 * DAY, new Set(), { answerOverdueDays: 0 })).toEqual([]);
  const records = await readLedger(fx.ledger);
  const [alert] = evaluateAlerts(
    { records, health: [], now: now + 8 * DAY, answered: new Set([delivered]) },
    { ...off, ...t }
  );
  expect(alert).toEqual({
    id: `answer-overdue:${acked}`,
    rule: 'answer-overdue',
    subject: 'a-1',
    summary: 'no meldeplikt-svar for meldeplikt a-1 from 997005562 8 days after Ålesund kommune got it',
  });
  expect(DEFAULT_THRESHOLDS.answerOverdueDays).toBe(7);
});

test('unroutable messages raise one alert naming them and why, from the threshold on; it clears when they are re-driven', async () => {
  const first = await fx.message('u-1', [['unroutable', 'no koordinerende enhet known for kommune 9999']]);
  expect(await ids(Date.now(), undefined, { unroutableMessages: 1 })).toEqual(['unroutable-messages']);
  await fx.message(
    'u-2',
    [['unroutable', 'no recipient known for destination orgnr 983974724']],
    undefined,
    'epikrise'
  );
  expect(await ids(Date.now(), undefined, { unroutableMessages: 3 })).toEqual([]);
  expect(await ids(Date.now(), undefined, { unroutableMessages: 0 })).toEqual([]);
  const records = await readLedger(fx.ledger);
  const [alert] = evaluateAlerts({ records, health: [] }, { ...off, unroutableMessages: 2 });
  expect(alert.summary).toMatch(/^2 unroutable messages, kept until the directory knows the recipient: /);
  expect(alert.summary).toContain('meldeplikt u-1 (no koordinerende enhet known for kommune 9999)');
  expect(alert.summary).toContain('epikrise u-2 (no recipient known for destination orgnr 983974724)');
  await fx.ledger.move({ key: first, to: 'queued', detail: 're-driven: the directory now knows the recipient' });
  await fx.ledger.move({
    key: '997005562:u-2',
    to: 'queued',
    detail: 're-driven: the directory now knows the recipient',
  });
  expect(await ids(Date.now(), undefined, { unroutableMessages: 1 })).toEqual([]);
});

test('a plan copy blocked by consent is a correct outcome: no alert, no failure for its recipient, not dead', async () => {
  const ehr = { ...ALESUND, kind: 'ehr' as const, herId: undefined, orgnr: '942953119' };
  await fx.message('b-1', [['acknowledged', 'receipt ok']], ehr, 'ip-plan-copy');
  await fx.message('b-2', [['blocked', 'consent: no taushetsplikt-fritak names Molde kommune']], ehr, 'ip-plan-copy');
  await fx.message('b-3', [['blocked', 'consent: no taushetsplikt-fritak names Molde kommune']], ehr, 'ip-plan-copy');
  const records = await readLedger(fx.ledger);
  const row = recipientHealth(records).find((h) => h.id === 'ehr:org:942953119');
  expect(row).toMatchObject({ kind: 'ehr', consecutiveFailures: 0, dead: 0, backlog: 0 });
  expect(row?.lastError).toBeUndefined();
  const strict = {
    waitingMinutes: 0,
    recipientFailures: 1,
    deadMessages: 1,
    receiptOverdueMinutes: 0,
    answerOverdueDays: 1,
    unroutableMessages: 1,
  };
  const blockedIds = evaluateAlerts(
    {
      records: records.filter((r) => r.id.startsWith('b-')),
      health: [row!],
      now: Date.now() + 30 * DAY,
      answered: new Set(),
    },
    strict
  );
  expect(blockedIds).toEqual([]);
});
