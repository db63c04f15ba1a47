import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MessageLedger } from './index';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const ledger = new MessageLedger(redis, { prefix });
afterAll(() => removeTestData(redis, prefix));

test("the sender's MessageHeader.source.endpoint is kept on the record from the seen mark on, through later moves", async () => {
  const { record } = await ledger.accept({
    sender: '997005562',
    id: 'src-1',
    event: 'meldeplikt',
    body: '{}',
    sourceEndpoint: 'http://hmr.example.test/fhir',
    enqueue: async () => undefined,
  });
  expect(record.sourceEndpoint).toBe('http://hmr.example.test/fhir');
  await ledger.move({ key: record.key, to: 'acknowledged', detail: 'receipt ok', patch: { attempts: 1 } });
  expect((await ledger.get(record.key))?.sourceEndpoint).toBe('http://hmr.example.test/fhir');
  const without = await ledger.accept({
    sender: '997005562',
    id: 'src-2',
    event: 'meldeplikt',
    body: '{}',
    enqueue: async () => undefined,
  });
  expect('sourceEndpoint' in without.record).toBe(false);
});
