import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MessageLedger, transitionIfWithRecord, type MoveRecorder, type StreamAppend } from './index';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let ledger: MessageLedger;
beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
});
afterAll(() => removeTestData(redis, prefix));

/** A trail that can prepare its entries (appended with the move) or not (written after it), and says what happened. */
function recorder(canPrepare: boolean) {
  const stream = `${prefix}:trail:${randomUUID()}`;
  const seen = { recorded: [] as string[], stored: [] as (string | undefined)[] };
  const trail: MoveRecorder<string> = {
    record: async (entry) => void seen.recorded.push(entry),
    ...(canPrepare ? { prepare: (entry: string) => ({ append: { stream, maxLength: 100, text: entry } as StreamAppend, stored: (id: string | undefined) => void seen.stored.push(id) }) } : {}),
  };
  return { trail, seen, entries: async () => (await redis.xrange(stream, '-', '+')).map(([id, f]) => [id, f[1]]) };
}

async function parked(): Promise<string> {
  const id = randomUUID();
  await ledger.accept({ sender: '997005562', id, event: 'meldeplikt', body: '{}', enqueue: async () => undefined });
  const key = `997005562:${id}`;
  await ledger.transition(key, 'unroutable', 'no recipient');
  return key;
}

test('a move that happens lands with its record: appended in the same step and logged with its id, or written after it', async () => {
  const appended = recorder(true);
  const key = await parked();
  const moved = await transitionIfWithRecord(ledger, { key, expected: 'unroutable', state: 'queued', detail: 're-driven' }, appended.trail, 'entry-1');
  expect(moved).toMatchObject({ changed: true, record: { state: 'queued' } });
  expect(await appended.entries()).toEqual([[moved.entryId, 'entry-1']]);
  expect(appended.seen).toEqual({ recorded: [], stored: [moved.entryId] });

  const after = recorder(false);
  const other = await parked();
  expect((await transitionIfWithRecord(ledger, { key: other, expected: 'unroutable', state: 'queued', detail: 're-driven' }, after.trail, 'entry-2')).changed).toBe(true);
  expect(after.seen).toEqual({ recorded: ['entry-2'], stored: [] });
});

test('a move another worker won (the record is no longer in `expected`) changes nothing and records nothing', async () => {
  const key = await parked();
  await ledger.transition(key, 'queued', 're-driven elsewhere');
  for (const canPrepare of [true, false]) {
    const r = recorder(canPrepare);
    const moved = await transitionIfWithRecord(ledger, { key, expected: 'unroutable', state: 'queued', detail: 're-driven' }, r.trail, 'entry');
    expect(moved).toMatchObject({ changed: false, record: { state: 'queued' } });
    expect(r.seen).toEqual({ recorded: [], stored: [] });
    expect(await r.entries()).toEqual([]);
  }
  expect((await ledger.get(key))?.history.map((h) => h.detail)).toEqual(['accepted', 'no recipient', 're-driven elsewhere']);
});
