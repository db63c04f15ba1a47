import { readLedger } from './ledger-snapshot';
import { searchMessages } from './message-search';
import { ALESUND, ledgerFixture, MOLDE } from './test-support/ledger-fixture';

const fx = ledgerFixture();
afterAll(() => fx.close());

test('by id, state, event, sender, recipient and time window; metadata only, newest change first', async () => {
  await fx.message('s-1', [['delivered', 'HTTP 202, receipt to follow']], ALESUND);
  await fx.message('s-2', [['dead', 'attempts exhausted (1); last: HTTP 503']], MOLDE);
  await fx.message('s-3', [['delivered', 'HTTP 202']], MOLDE, 'epikrise');
  const records = await readLedger(fx.ledger);
  expect(searchMessages(records, {}).map((m) => m.id)).toEqual(['s-3', 's-2', 's-1']);
  expect(searchMessages(records, { id: 's-2' }).map((m) => m.id)).toEqual(['s-2']);
  expect(searchMessages(records, { state: 'delivered' }).map((m) => m.id)).toEqual(['s-3', 's-1']);
  expect(searchMessages(records, { event: 'epikrise' }).map((m) => m.id)).toEqual(['s-3']);
  expect(searchMessages(records, { sender: '942953119' })).toEqual([]);
  expect(searchMessages(records, { recipient: 'molde' }).map((m) => m.id)).toEqual(['s-3', 's-2']);
  expect(searchMessages(records, { recipient: '1508' }).map((m) => m.id)).toEqual(['s-1']);
  expect(searchMessages(records, { recipient: 'her:8100456', state: 'dead' }).map((m) => m.id)).toEqual(['s-2']);
  const s2 = records.find((r) => r.id === 's-2')!;
  expect(
    searchMessages(records, { from: s2.receivedAt, to: new Date(Date.parse(s2.receivedAt) + 1).toISOString() }).map(
      (m) => m.id
    )
  ).toEqual(['s-2']);
  expect(searchMessages(records, { to: '2000-01-01T00:00:00.000Z' })).toEqual([]);
  expect(searchMessages(records, { limit: 1 })).toHaveLength(1);
  const view = searchMessages(records, { id: 's-2' })[0];
  expect(view).toMatchObject({
    key: '997005562:s-2',
    event: 'meldeplikt',
    sender: '997005562',
    state: 'dead',
    attempts: 1,
    lastDetail: 'attempts exhausted (1); last: HTTP 503',
    recipient: { id: 'her:8100456', name: 'Molde kommune', kommunenummer: '1506' },
  });
  expect(Object.keys(view)).not.toContain('body');
});
