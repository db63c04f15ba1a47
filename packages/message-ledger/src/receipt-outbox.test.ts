import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MessageLedger } from './index';

// The receipt outbox: whoever moves a message to a final state (a delivery, a recipient's receipt,
// an operator's discard), the same move owes its sender a receipt; where it goes (the source.endpoint,
// else the directory's koordinerende enhet, else nowhere) the receipt worker decides.
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let ledger: MessageLedger;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
});
afterAll(async () => {
  await removeTestData(redis, prefix);
  redis.disconnect();
});
beforeEach(async () => ledger.receiptsQueued(await ledger.pendingReceipts(1000)));

async function accepted(sourceEndpoint?: string): Promise<string> {
  const id = randomUUID();
  const r = await ledger.accept({
    sender: '997005562',
    id,
    event: 'meldeplikt',
    body: '{}',
    enqueue: async () => undefined,
    ...(sourceEndpoint ? { sourceEndpoint } : {}),
  });
  expect(r.record.sourceEndpoint).toBe(sourceEndpoint);
  return `997005562:${id}`;
}

test('a message with a sourceEndpoint reaching acknowledged owes one receipt; delivered owes none', async () => {
  const key = await accepted('http://hmr.test/fhir');
  await ledger.move({ key, to: 'delivered', detail: 'HTTP 202' });
  expect(await ledger.pendingReceipts()).toEqual([]);
  await ledger.move({ key, to: 'acknowledged', detail: 'receipt ok' });
  await ledger.move({ key, to: 'delivered', detail: 'late' }); // refused: final
  expect(await ledger.pendingReceipts()).toEqual([`${key}|acknowledged`]);
  expect((await ledger.get(key))?.sourceEndpoint).toBe('http://hmr.test/fhir');
});

test("an operator's discard (dead) and an unroutable message each owe a receipt; so does one without an endpoint", async () => {
  const parked = await accepted('http://hmr.test/fhir');
  await ledger.move({ key: parked, to: 'unroutable', detail: 'no kommune' });
  await ledger.move({
    key: parked,
    from: 'unroutable',
    to: 'dead',
    detail: 'discarded by ops',
    patch: { discarded: { by: 'op', at: 'now', reason: 'test' } },
  });
  const silent = await accepted();
  await ledger.move({ key: silent, to: 'rejected', detail: 'HTTP 400' });
  const owed = [`${parked}|dead`, `${parked}|unroutable`, `${silent}|rejected`];
  expect((await ledger.pendingReceipts()).sort()).toEqual(owed.sort());
  await ledger.receiptsQueued([`${parked}|dead`, `${silent}|rejected`]);
  expect(await ledger.pendingReceipts()).toEqual([`${parked}|unroutable`]);
});
