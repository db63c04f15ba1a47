import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { MessageLedger, jobIdFor } from './index';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let queue: Queue;
let ledger: MessageLedger;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('ledger-test', { connection: redis, prefix });
  ledger = new MessageLedger(redis, { prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const enqueue = (jobId: string) => queue.add('deliver', { jobId }, { jobId }).then(() => undefined);

test('accept queues once and answers a repeat with the existing record', async () => {
  const first = await ledger.accept({ sender: '997005562', id: 'm-1', event: 'meldeplikt', body: '{"x":1}', enqueue });
  expect(first.created).toBe(true);
  expect(first.record).toMatchObject({ key: '997005562:m-1', state: 'queued', attempts: 0, history: [{ state: 'queued', detail: 'accepted' }] });
  const again = await ledger.accept({ sender: '997005562', id: 'm-1', event: 'meldeplikt', body: '{"x":1}', enqueue });
  expect(again.created).toBe(false);
  expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(1);
  expect(await ledger.body('997005562:m-1')).toBe('{"x":1}');
  // The same id from another sender is another message.
  expect((await ledger.accept({ sender: '942953119', id: 'm-1', event: 'meldeplikt', body: '{}', enqueue })).created).toBe(true);
  expect((await ledger.findById('m-1')).map((r) => r.sender).sort()).toEqual(['942953119', '997005562']);
});

test('a crash after the job and before the seen mark: the retry queues no second job and writes the mark', async () => {
  const crashing = async (jobId: string) => {
    await enqueue(jobId);
    throw new Error('gateway died here');
  };
  await expect(ledger.accept({ sender: '997005562', id: 'm-crash', event: 'meldeplikt', body: '{}', enqueue: crashing })).rejects.toThrow('gateway died');
  expect(await ledger.get('997005562:m-crash')).toBeUndefined(); // no seen mark: the sender's retry must not get 200 for nothing
  const retry = await ledger.accept({ sender: '997005562', id: 'm-crash', event: 'meldeplikt', body: '{}', enqueue });
  expect(retry.created).toBe(true);
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
  expect(jobs.filter((j) => j.id === jobIdFor('997005562:m-crash'))).toHaveLength(1);
});

test('transitions append history, keep state sets in step, and do not leave a final state unless forced', async () => {
  await ledger.accept({ sender: '997005562', id: 'm-t', event: 'meldeplikt', body: '{}', enqueue });
  const key = '997005562:m-t';
  await ledger.transition(key, 'retrying', 'HTTP 503', { attempts: 1 });
  await ledger.transition(key, 'delivered', 'HTTP 202', { attempts: 2, recipient: { kommunenummer: '1508' } });
  const acked = await ledger.transition(key, 'acknowledged', 'receipt ok', { receipt: { code: 'ok', at: '2026-11-24T12:00:00Z' } });
  expect(acked.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'delivered', 'acknowledged']);
  expect(acked).toMatchObject({ attempts: 2, recipient: { kommunenummer: '1508' }, receipt: { code: 'ok' } });
  const late = await ledger.transition(key, 'delivered', 'late bookkeeping');
  expect(late.state).toBe('acknowledged');
  expect(await ledger.listByState('acknowledged')).toContain(key);
  expect(await ledger.listByState('delivered')).not.toContain(key);
  const redriven = await ledger.transition(key, 'queued', 'operator re-drive', {}, { force: true });
  expect(redriven.state).toBe('queued');
  await expect(ledger.transition('nobody:none', 'queued')).rejects.toThrow('No message');
  await ledger.transition(key, 'unroutable', 'no kommune');
  expect((await ledger.transitionIf(key, 'unroutable', 'queued', 're-drive'))?.state).toBe('queued');
  expect(await ledger.transitionIf(key, 'unroutable', 'queued', 're-drive again')).toBeUndefined(); // only one re-drive wins
});

test('a worker that writes the mark before the gateway does not turn the gateway\'s 202 into a 200', async () => {
  const fastWorker = async (jobId: string) => {
    await enqueue(jobId);
    await ledger.ensureRecord({ key: '997005562:m-fast', id: 'm-fast', sender: '997005562', event: 'meldeplikt' });
  };
  expect((await ledger.accept({ sender: '997005562', id: 'm-fast', event: 'meldeplikt', body: '{}', enqueue: fastWorker })).created).toBe(true);
  expect((await ledger.accept({ sender: '997005562', id: 'm-fast', event: 'meldeplikt', body: '{}', enqueue })).created).toBe(false);
});

test('the worker can write the mark first; the gateway then finds it', async () => {
  const key = '997005562:m-w';
  await redis.set(`${prefix}:body:${key}`, '{}');
  expect((await ledger.ensureRecord({ key, id: 'm-w', sender: '997005562', event: 'meldeplikt' })).created).toBe(true);
  expect((await ledger.ensureRecord({ key, id: 'm-w', sender: '997005562', event: 'meldeplikt' })).created).toBe(false);
  const counts = await ledger.countByState();
  expect(counts.queued).toBeGreaterThanOrEqual(1);
});

test('record and body in one round trip', async () => {
  await ledger.accept({ sender: '997005562', id: 'm-both', event: 'meldeplikt', body: '{"b":2}', enqueue });
  const both = await ledger.getWithBody('997005562:m-both');
  expect(both.body).toBe('{"b":2}');
  expect(both.record?.state).toBe('queued');
  expect(await ledger.getWithBody('nobody:none')).toEqual({});
});
