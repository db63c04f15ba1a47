import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { patientKeyer } from './patient-key';
import { PlanIndex } from './plan-index';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const KEY = Buffer.alloc(32, 7).toString('base64');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await removeTestData(redis, prefix);
});

const entry = (plan: string, version: string) => ({ plan, owner: '942953119', version });

test('one plan per person: a different plan is a conflict naming the existing one; a newer version replaces, an older does not', async () => {
  const index = new PlanIndex(redis, prefix);
  const who = patientKeyer(KEY)('12830551210');
  expect(await index.claim(who, entry('s|IP-1', '2026-11-21T11:00:00.000Z'))).toMatchObject({ kind: 'created' });
  expect(await index.claim(who, entry('s|IP-2', '2026-11-22T11:00:00.000Z'))).toEqual({ kind: 'conflict', existing: entry('s|IP-1', '2026-11-21T11:00:00.000Z') });
  expect(await index.claim(who, entry('s|IP-1', '2026-11-23T11:00:00.000Z'))).toMatchObject({ kind: 'updated' });
  expect(await index.claim(who, entry('s|IP-1', '2026-11-20T11:00:00.000Z'))).toEqual({ kind: 'older', entry: entry('s|IP-1', '2026-11-23T11:00:00.000Z') });
  expect((await index.get(who))?.version).toBe('2026-11-23T11:00:00.000Z');
});

test('two different plans claimed at once: exactly one wins', async () => {
  const index = new PlanIndex(redis, prefix);
  const who = patientKeyer(KEY)(makeSyntheticFodselsnummer('1990-04-02'));
  const results = await Promise.all([index.claim(who, entry('s|A', '2026-01-01T00:00:00.000Z')), index.claim(who, entry('s|B', '2026-01-01T00:00:00.000Z'))]);
  expect(results.map((r) => r.kind).sort()).toEqual(['conflict', 'created']);
});

test('the key is a keyed hash: no fødselsnummer in Redis, different secrets give different keys, a short secret is refused', async () => {
  const a = patientKeyer(KEY)('12830551210');
  expect(a).not.toContain('12830551210');
  expect(patientKeyer(Buffer.alloc(32, 8).toString('base64'))('12830551210')).not.toBe(a);
  expect(patientKeyer(KEY)('12830551210')).toBe(a);
  expect(() => patientKeyer(Buffer.alloc(16).toString('base64'))).toThrow(RangeError);
  const keys = await redis.keys(`${prefix}*`);
  expect(keys.join(' ')).not.toMatch(/\d{11}/);
});
