import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AlertNotifier } from './alert-notifier';
import { RedisAlertStore } from './alert-store';
import { REDIS_URL } from './test-support/ledger-fixture';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
afterAll(async () => {
  await redis.del(`${prefix}:ops:alerts`);
  redis.disconnect();
});

const logged: string[] = [];
const logger = {
  info: (_o: object, msg: string) => void logged.push(msg),
  warn: (_o: object, msg: string) => void logged.push(msg),
};
const failing = {
  id: 'recipient-failing:her:8110021',
  rule: 'recipient-failing' as const,
  summary: 'Ålesund kommune failed 3 times in a row',
};

test('dashboards side by side raise and clear each alert once; a restarted one keeps since and does not raise again', async () => {
  const a = new AlertNotifier({ logger, store: new RedisAlertStore(redis, prefix) });
  const b = new AlertNotifier({ logger, store: new RedisAlertStore(redis, prefix) });
  const t0 = new Date('2026-11-30T08:00:00Z');
  const [ra, rb] = await Promise.all([a.update([failing], t0), b.update([failing], t0)]);
  expect(ra.raised.length + rb.raised.length).toBe(1);
  expect(b.active()).toEqual([{ ...failing, since: t0.toISOString() }]);

  const restarted = new AlertNotifier({ logger, store: new RedisAlertStore(redis, prefix) });
  const again = await restarted.update(
    [{ ...failing, summary: 'Ålesund kommune failed 4 times in a row' }],
    new Date('2026-11-30T09:00:00Z')
  );
  expect(again).toEqual({ raised: [], cleared: [] });
  expect(restarted.active()).toEqual([
    { ...failing, summary: 'Ålesund kommune failed 4 times in a row', since: t0.toISOString() },
  ]);
  expect(JSON.parse((await redis.hget(`${prefix}:ops:alerts`, failing.id)) as string).summary).toBe(
    'Ålesund kommune failed 4 times in a row'
  );

  const [ca, cb] = await Promise.all([a.update([]), restarted.update([])]);
  expect(ca.cleared.length + cb.cleared.length).toBe(1);
  expect(await redis.hlen(`${prefix}:ops:alerts`)).toBe(0);
  expect(logged.filter((m) => m === 'alert raised')).toHaveLength(1);
  expect(logged.filter((m) => m === 'alert cleared')).toHaveLength(1);
});
