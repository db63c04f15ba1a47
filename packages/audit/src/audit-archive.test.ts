import { ledgerKeys } from '@ipbro/message-ledger';
import { createLogger, type Logger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { archiveAuditOlderThan } from './audit-archive';
import { startAuditArchive } from './audit-config';
import { AuditTrail } from './audit-trail';

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2031-03-01T12:00:00.000Z');
const prefixes: string[] = [];
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

/** A logger writing to `lines`; `onFlush` runs when the sweep flushes it (before its trim). */
function logged(onFlush: () => Promise<void> = async () => undefined): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = Object.assign(
    new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
    { flush: (cb: (err?: Error) => void) => void onFlush().then(() => cb(), cb) }
  );
  return { logger: createLogger('ops-dashboard', { destination }), lines };
}

const archivedIds = (lines: string[]) =>
  lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === 'audit.archived')
    .map((l) => l.audit.id as string);

/** A trail of its own whose entries were written `daysAgo` before NOW (explicit stream ids, oldest first). */
async function trailWritten(daysAgo: number[]) {
  const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
  prefixes.push(prefix);
  const trail = new AuditTrail(redis, { prefix, logger: logged().logger, source: 'gateway' });
  const ids: string[] = [];
  for (const [i, days] of daysAgo.entries()) {
    const record = trail.toRecord({
      event: 'delivery.outcome',
      messageId: `m-${i}`,
      outcome: 'success',
      who: { clientId: 'meldeplikt-router' },
      detail: `entry ${i}`,
    });
    const id = `${Math.round(NOW.getTime() - days * DAY)}-${i}`;
    ids.push(String(await redis.xadd(trail.streamKey, id, 'record', JSON.stringify(record))));
  }
  const kept = async () => (await redis.xrange(trail.streamKey, '-', '+')).map(([id]) => id);
  return { prefix, ids, kept, trail };
}

test('entries older than the retention are logged, each as its record with its id, then leave Redis; newer stay', async () => {
  const { prefix, ids, kept } = await trailWritten([400, 120, 91, 90.5, 90, 89, 1]);
  const { logger, lines } = logged();
  const r = await archiveAuditOlderThan(redis, { prefix, logger, retentionDays: 90, now: NOW, batch: 2 });
  expect(r).toEqual({ archived: 4, busy: false });
  expect(archivedIds(lines)).toEqual(ids.slice(0, 4));
  expect(await kept()).toEqual(ids.slice(4));
  const first = JSON.parse(lines[0]);
  expect(first).toMatchObject({
    level: 30,
    msg: 'audit.archived',
    audit: { id: ids[0], event: 'delivery.outcome', messageId: 'm-0', source: 'gateway', detail: 'entry 0' },
  });
  // A second sweep finds nothing left to archive, and the lock is gone.
  const again = logged();
  expect(await archiveAuditOlderThan(redis, { prefix, logger: again.logger, retentionDays: 90, now: NOW })).toEqual({
    archived: 0,
    busy: false,
  });
  expect(again.lines).toEqual([]);
  expect(await redis.exists(ledgerKeys(prefix).auditArchiveLock)).toBe(0);
});

test('0 keeps every entry in Redis, however old', async () => {
  const { prefix, ids, kept } = await trailWritten([3650, 400, 1]);
  const { logger, lines } = logged();
  expect(await archiveAuditOlderThan(redis, { prefix, logger, retentionDays: 0, now: NOW })).toEqual({
    archived: 0,
    busy: false,
  });
  expect(lines).toEqual([]);
  expect(await kept()).toEqual(ids);
});

test('two sweeps at once (two dashboards) log each entry once', async () => {
  const { prefix, ids, kept } = await trailWritten([30, 20, 12, 11, 10.5, 2]);
  const a = logged();
  const b = logged();
  const sweep = (logger: Logger) =>
    archiveAuditOlderThan(redis, { prefix, logger, retentionDays: 10, now: NOW, batch: 1 });
  const results = await Promise.all([sweep(a.logger), sweep(b.logger), sweep(a.logger)]);
  expect(results.reduce((n, r) => n + r.archived, 0)).toBe(5);
  expect(results.filter((r) => r.busy).length).toBeGreaterThanOrEqual(1);
  const all = [...archivedIds(a.lines), ...archivedIds(b.lines)];
  expect(all.sort()).toEqual(ids.slice(0, 5).sort());
  expect(await kept()).toEqual(ids.slice(5));
});

test('nothing leaves Redis when the log cannot be flushed, nor when the lock was lost before the trim', async () => {
  const { prefix, ids, kept } = await trailWritten([50, 40, 1]);
  const broken = logged(async () => {
    throw new Error('stdout closed');
  });
  await expect(
    archiveAuditOlderThan(redis, { prefix, logger: broken.logger, retentionDays: 7, now: NOW })
  ).rejects.toThrow('stdout closed');
  expect(await kept()).toEqual(ids);
  // The lock was released by the failed sweep; this one loses it to another sweep as it flushes.
  const lock = ledgerKeys(prefix).auditArchiveLock;
  const robbed = logged(async () => {
    await redis.set(lock, 'another sweep');
  });
  const r = await archiveAuditOlderThan(redis, { prefix, logger: robbed.logger, retentionDays: 7, now: NOW });
  expect(r).toEqual({ archived: 0, busy: false });
  expect(await kept()).toEqual(ids);
  expect(await redis.get(lock)).toBe('another sweep');
});

test('a log on a pipe (stdout in a container), whose flush cannot fsync, still archives', async () => {
  const { prefix, ids, kept } = await trailWritten([50, 1]);
  const pipe = logged(async () => {
    throw Object.assign(new Error('EINVAL: invalid argument, fsync'), { code: 'EINVAL' });
  });
  const r = await archiveAuditOlderThan(redis, { prefix, logger: pipe.logger, retentionDays: 7, now: NOW });
  expect(r.archived).toBe(1);
  expect(archivedIds(pipe.lines)).toEqual([ids[0]]);
  expect(await kept()).toEqual([ids[1]]);
});

test("the service's sweep archives at once and its stop waits for it; with 0 there is no sweep", async () => {
  const { prefix, ids, kept } = await trailWritten([(NOW.getTime() - Date.now()) / DAY + 100, 0]);
  const { logger, lines } = logged();
  const stop = startAuditArchive(redis, { QUEUE_PREFIX: prefix, AUDIT_RETENTION_DAYS: 30 }, { logger });
  while (!lines.some((l) => l.includes('audit archive sweep done'))) await new Promise((r) => setTimeout(r, 10));
  await stop();
  expect(archivedIds(lines)).toEqual([ids[0]]);
  expect(await kept()).toEqual([ids[1]]);
  const off = logged();
  await startAuditArchive(redis, { QUEUE_PREFIX: prefix, AUDIT_RETENTION_DAYS: 0 }, { logger: off.logger })();
  expect(off.lines).toEqual([]);
});
