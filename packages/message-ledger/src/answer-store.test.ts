import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { AnswerStore, BodyCipher, type MeldepliktAnswer } from './index';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const cipher = new BodyCipher(randomBytes(32));
const store = new AnswerStore(redis, { prefix, cipher });
afterAll(() => removeTestData(redis, prefix));

const koordinator = { name: 'Ingrid Hansen', telecom: [{ system: 'phone', value: '+47 70 16 20 00' }] };
const answer = (at: string, extra: Partial<MeldepliktAnswer> = {}): MeldepliktAnswer => ({
  status: 'completed',
  at,
  koordinator,
  ...extra,
});

test('the name is sealed in Redis; read gives it back, summary and the answered keys do not need it', async () => {
  expect(await store.record('997005562:m-1', '942953119:s-1', answer('2026-11-23T09:25:00+01:00'))).toBe(true);
  const raw = (await redis.hget(`${prefix}:answer`, '997005562:m-1')) as string;
  for (const secret of ['Ingrid', 'Hansen', '70 16 20']) expect(raw).not.toContain(secret);
  expect(JSON.parse(raw)).toMatchObject({
    status: 'completed',
    at: '2026-11-23T09:25:00+01:00',
    svar: '942953119:s-1',
  });
  expect(await store.read('997005562:m-1')).toEqual({
    status: 'completed',
    at: '2026-11-23T09:25:00+01:00',
    svar: '942953119:s-1',
    koordinator,
  });
  expect(await store.summary('997005562:m-1')).toEqual({
    status: 'completed',
    at: '2026-11-23T09:25:00+01:00',
    svar: '942953119:s-1',
  });
  expect(await store.answeredKeys()).toEqual(new Set(['997005562:m-1']));
  expect(await store.read('997005562:none')).toBeUndefined();
});

test('the sealed part is bound to its meldeplikt: copied onto another, it does not open', async () => {
  await redis.hset(
    `${prefix}:answer`,
    '997005562:m-copy',
    (await redis.hget(`${prefix}:answer`, '997005562:m-1')) as string
  );
  await expect(store.read('997005562:m-copy')).rejects.toThrow(/failed authentication/);
  await expect(new AnswerStore(redis, { prefix }).read('997005562:m-1')).rejects.toThrow(
    /encrypted and this store has no key/
  );
});

test('the answer given last is kept: a late copy of an older svar changes nothing, a correction replaces', async () => {
  await store.record(
    '997005562:m-2',
    '942953119:s-old',
    answer('2026-11-23T09:00:00Z', { status: 'rejected', reason: 'feil kommune', koordinator: undefined })
  );
  expect(await store.record('997005562:m-2', '942953119:s-new', answer('2026-11-24T09:00:00Z'))).toBe(true);
  expect(
    await store.record(
      '997005562:m-2',
      '942953119:s-old',
      answer('2026-11-23T09:00:00Z', { status: 'rejected', reason: 'feil kommune', koordinator: undefined })
    )
  ).toBe(false);
  expect(await store.read('997005562:m-2')).toMatchObject({
    status: 'completed',
    svar: '942953119:s-new',
    koordinator,
  });
  await expect(store.record('997005562:m-2', '942953119:s-x', answer('not a date'))).rejects.toThrow(RangeError);
});

test('without a key the answer is kept readable (as bodies are), and says so', async () => {
  const plain = new AnswerStore(redis, { prefix: `${prefix}-plain` });
  await plain.record(
    '997005562:m-3',
    '942953119:s-3',
    answer('2026-11-23T09:25:00Z', { status: 'rejected', reason: 'personen takket nei', koordinator: undefined })
  );
  expect(await plain.read('997005562:m-3')).toEqual({
    status: 'rejected',
    at: '2026-11-23T09:25:00Z',
    svar: '942953119:s-3',
    reason: 'personen takket nei',
  });
  expect(JSON.parse((await redis.hget(`${prefix}-plain:answer`, '997005562:m-3')) as string).clear).toBe(true);
  await redis.del(`${prefix}-plain:answer`);
});
