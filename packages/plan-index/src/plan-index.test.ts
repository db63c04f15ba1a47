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

test(
  'one plan per person: a different plan is a conflict naming the existing one; a newer version ' +
    'replaces, an older does not',
  async () => {
    const index = new PlanIndex(redis, prefix);
    const who = patientKeyer(KEY)('12830551210');
    expect(await index.claim(who, entry('s|IP-1', '2026-11-21T11:00:00.000Z'))).toMatchObject({ kind: 'created' });
    expect(await index.claim(who, entry('s|IP-2', '2026-11-22T11:00:00.000Z'))).toEqual({
      kind: 'conflict',
      existing: entry('s|IP-1', '2026-11-21T11:00:00.000Z'),
    });
    expect(await index.claim(who, entry('s|IP-1', '2026-11-23T11:00:00.000Z'))).toMatchObject({ kind: 'updated' });
    expect(await index.claim(who, entry('s|IP-1', '2026-11-20T11:00:00.000Z'))).toEqual({
      kind: 'older',
      entry: entry('s|IP-1', '2026-11-23T11:00:00.000Z'),
    });
    expect((await index.get(who))?.version).toBe('2026-11-23T11:00:00.000Z');
  }
);

test('two different plans claimed at once: exactly one wins', async () => {
  const index = new PlanIndex(redis, prefix);
  const who = patientKeyer(KEY)(makeSyntheticFodselsnummer('1990-04-02'));
  const results = await Promise.all([
    index.claim(who, entry('s|A', '2026-01-01T00:00:00.000Z')),
    index.claim(who, entry('s|B', '2026-01-01T00:00:00.000Z')),
  ]);
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

const withStatus = (plan: string, version: string, status: string, more: object = {}) => ({
  ...entry(plan, version),
  status,
  ...more,
});

test(
  'a plan completed, revoked or entered in error frees the person: the next plan is created, naming the ' +
    'ended one as previous',
  async () => {
    const index = new PlanIndex(redis, prefix);
    for (const [i, ended] of ['completed', 'revoked', 'entered-in-error'].entries()) {
      const who = patientKeyer(KEY)(makeSyntheticFodselsnummer('1984-07-03', 100 + i));
      await index.claim(who, withStatus('s|OLD', '2026-01-01T00:00:00.000Z', 'active'));
      expect(await index.claim(who, withStatus('s|NEW', '2026-02-01T00:00:00.000Z', 'active'))).toMatchObject({
        kind: 'conflict',
      });
      expect(await index.claim(who, withStatus('s|OLD', '2026-03-01T00:00:00.000Z', ended))).toMatchObject({
        kind: 'updated',
        entry: { status: ended },
      });
      expect(await index.claim(who, withStatus('s|NEW', '2026-04-01T00:00:00.000Z', 'active'))).toEqual({
        kind: 'created',
        entry: withStatus('s|NEW', '2026-04-01T00:00:00.000Z', 'active'),
        previous: withStatus('s|OLD', '2026-03-01T00:00:00.000Z', ended),
      });
      expect((await index.get(who))?.plan).toBe('s|NEW');
    }
  }
);

test(
  "a plan naming the person's plan in force in replaces takes its place and keeps naming it through later " +
    'versions; naming another plan is a conflict',
  async () => {
    const index = new PlanIndex(redis, prefix);
    const who = patientKeyer(KEY)(makeSyntheticFodselsnummer('1979-10-30'));
    const old = { ...withStatus('a/942953119/ip|IP-A', '2026-01-01T00:00:00.000Z', 'active'), owner: '942953119' };
    await index.claim(who, old);
    const elsewhere = {
      ...withStatus('m/944305823/ip|IP-M', '2026-02-01T00:00:00.000Z', 'active'),
      owner: '944305823',
    };
    expect(await index.claim(who, { ...elsewhere, replaces: ['a/942953119/ip|IP-OTHER'] })).toEqual({
      kind: 'conflict',
      existing: old,
    });
    const replaced = await index.claim(who, { ...elsewhere, replaces: ['a/942953119/ip|IP-A'] });
    expect(replaced).toEqual({
      kind: 'replaced',
      replaced: old,
      entry: {
        ...elsewhere,
        replaces: ['a/942953119/ip|IP-A'],
        replaced: { plan: 'a/942953119/ip|IP-A', owner: '942953119' },
      },
    });
    // A later version (without replaces) and a retry of the replacing message both still name what it replaced.
    expect(await index.claim(who, { ...elsewhere, version: '2026-03-01T00:00:00.000Z' })).toMatchObject({
      kind: 'updated',
      entry: { replaced: { plan: 'a/942953119/ip|IP-A' } },
    });
    expect((await index.get(who))?.replaced).toEqual({ plan: 'a/942953119/ip|IP-A', owner: '942953119' });
    // The old plan sent again is now the different one.
    expect(await index.claim(who, { ...old, version: '2026-04-01T00:00:00.000Z' })).toMatchObject({
      kind: 'conflict',
      existing: { plan: 'm/944305823/ip|IP-M' },
    });
  }
);

test("a different plan that is itself over claims nothing: ended, and the person's plan stays", async () => {
  const index = new PlanIndex(redis, prefix);
  const who = patientKeyer(KEY)(makeSyntheticFodselsnummer('1991-12-24'));
  await index.claim(who, withStatus('s|IN-FORCE', '2026-01-01T00:00:00.000Z', 'active'));
  expect(await index.claim(who, withStatus('s|GONE', '2026-05-01T00:00:00.000Z', 'revoked'))).toEqual({
    kind: 'ended',
    existing: withStatus('s|IN-FORCE', '2026-01-01T00:00:00.000Z', 'active'),
  });
  expect((await index.get(who))?.plan).toBe('s|IN-FORCE');
});
