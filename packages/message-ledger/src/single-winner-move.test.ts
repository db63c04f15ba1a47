import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MessageLedger, type PreparedEntry } from './index';

// A single-winner move (only from an expected state) with its audit entry: what re-drives and
// operator actions do.
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let ledger: MessageLedger;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
});
afterAll(() => removeTestData(redis, prefix));

/** An audit entry for a stream of its own, and the ids it was told it landed under. */
function recorder() {
  const stream = `${prefix}:trail:${randomUUID()}`;
  const stored: string[] = [];
  const prepare = (text: string): PreparedEntry => ({
    append: { stream, maxLength: 100, text },
    stored: (id) => void stored.push(id),
  });
  return { prepare, stored, entries: async () => (await redis.xrange(stream, '-', '+')).map(([id, f]) => [id, f[1]]) };
}

async function parked(): Promise<string> {
  const id = randomUUID();
  await ledger.accept({ sender: '997005562', id, event: 'meldeplikt', body: '{}', enqueue: async () => undefined });
  const key = `997005562:${id}`;
  await ledger.move({ key, to: 'unroutable', detail: 'no recipient' });
  return key;
}

test('a move that happens lands with its record: appended in the same step, and stored (logged) with its id', async () => {
  const r = recorder();
  const key = await parked();
  const moved = await ledger.move({
    key,
    from: 'unroutable',
    to: 'queued',
    detail: 're-driven',
    audit: r.prepare('entry-1'),
  });
  expect(moved).toMatchObject({ changed: true, record: { state: 'queued' } });
  expect(await r.entries()).toEqual([[moved.entryId, 'entry-1']]);
  expect(r.stored).toEqual([moved.entryId]);
});

test('a move another worker won (the record is no longer in `from`) changes nothing and records nothing', async () => {
  const key = await parked();
  await ledger.move({ key, to: 'queued', detail: 're-driven elsewhere' });
  const r = recorder();
  const moved = await ledger.move({
    key,
    from: 'unroutable',
    to: 'queued',
    detail: 're-driven',
    audit: r.prepare('entry'),
  });
  expect(moved).toMatchObject({ changed: false, record: { state: 'queued' } });
  expect(r.stored).toEqual([]);
  expect(await r.entries()).toEqual([]);
  expect((await ledger.get(key))?.history.map((h) => h.detail)).toEqual([
    'accepted',
    'no recipient',
    're-driven elsewhere',
  ]);
});
