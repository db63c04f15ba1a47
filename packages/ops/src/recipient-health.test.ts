import { readLedger } from './ledger-snapshot';
import { recipientHealth, recipientId } from './recipient-health';
import { ALESUND, ledgerFixture, MOLDE } from './test-support/ledger-fixture';

const fx = ledgerFixture();
afterAll(() => fx.close());

test('failures in a row across messages, last error, last success, backlog and dead per recipient', async () => {
  await fx.message(
    'a-1',
    [
      ['delivered', 'HTTP 202, receipt to follow'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND
  );
  await fx.message(
    'a-2',
    [
      ['retrying', 'attempt 1 of 3: HTTP 503'],
      ['retrying', 'attempt 2 of 3: HTTP 503'],
      ['dead', 'attempts exhausted (3); last: HTTP 503'],
    ],
    ALESUND
  );
  await fx.message('a-3', [['retrying', 'attempt 1 of 3: ECONNREFUSED: connect ECONNREFUSED']], ALESUND);
  await fx.message('m-1', [['delivered', 'HTTP 202, receipt to follow']], MOLDE);
  await fx.message('u-1', [['unroutable', 'no koordinerende enhet for kommune 9999']]);
  const health = recipientHealth(await readLedger(fx.ledger));
  expect(health.map((h) => h.id)).toEqual([recipientId(ALESUND), recipientId(MOLDE)]);
  const [alesund, molde] = health;
  expect(alesund).toMatchObject({
    name: 'Ålesund kommune',
    kommunenummer: '1508',
    herId: '8100123',
    backlog: 1,
    dead: 1,
    awaitingReceipt: 0,
    consecutiveFailures: 4,
    lastError: 'attempt 1 of 3: ECONNREFUSED: connect ECONNREFUSED',
  });
  expect(alesund.lastSuccessAt).toBeDefined();
  expect(alesund.lastErrorAt! > alesund.lastSuccessAt!).toBe(true);
  expect(molde).toMatchObject({ consecutiveFailures: 0, awaitingReceipt: 1, backlog: 0, dead: 0 });
});

test("a success ends the run; an operator's retry or discard is not an attempt", async () => {
  const key = await fx.message('a-4', [['dead', 'attempts exhausted (1); last: HTTP 503']], ALESUND);
  await fx.ledger.move({ key, to: 'queued', detail: 'retried by ops-anne (attempts were 1)', force: true });
  let alesund = recipientHealth(await readLedger(fx.ledger)).find((h) => h.id === recipientId(ALESUND))!;
  expect(alesund.consecutiveFailures).toBe(5);
  await new Promise((r) => setTimeout(r, 3));
  await fx.ledger.move({ key, to: 'acknowledged', detail: 'receipt ok' });
  alesund = recipientHealth(await readLedger(fx.ledger)).find((h) => h.id === recipientId(ALESUND))!;
  expect(alesund.consecutiveFailures).toBe(0);
  expect(alesund.lastError).toBe('attempts exhausted (1); last: HTTP 503');
});

test('recipient ids prefer HER-id, then organisasjonsnummer, kommunenummer, endpoint', () => {
  expect(recipientId({ herId: '1', orgnr: '2', kommunenummer: '3' })).toBe('her:1');
  expect(recipientId({ orgnr: '2', kommunenummer: '3' })).toBe('org:2');
  expect(recipientId({ kommunenummer: '3' })).toBe('kommune:3');
  expect(recipientId({ endpoint: 'http://x' })).toBe('endpoint:http://x');
});
