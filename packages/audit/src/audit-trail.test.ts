import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { MessageLedger } from '@ipbro/message-ledger';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { AuditTrail } from './audit-trail';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const fnr = makeSyntheticFodselsnummer('1990-05-17', 123);
const key = randomBytes(32);
let redis: Redis;
const lines: string[] = [];
const logger = createLogger('audit-test', {
  destination: new Writable({
    write: (c, _e, cb) => {
      lines.push(String(c));
      cb();
    },
  }),
});

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(async () => {
  await removeTestData(redis, prefix);
});

const trail = (over: Partial<ConstructorParameters<typeof AuditTrail>[1]> = {}) =>
  new AuditTrail(redis, { prefix, logger, source: 'gateway', hmacKey: key, ...over });

test('records are appended to the stream and to the message index, and listed per message oldest first', async () => {
  const t = trail();
  const id = randomUUID();
  await t.record({
    event: 'message.received',
    messageId: id,
    outcome: 'success',
    who: { clientId: 'hmr-dips', orgnr: '997005562' },
    sender: '997005562',
    messageEvent: 'meldeplikt',
    personNumber: fnr,
  });
  await t.record({
    event: 'delivery.outcome',
    messageId: id,
    outcome: 'success',
    who: { clientId: 'meldeplikt-router' },
    recipient: { orgnr: '942953119', name: 'Ålesund kommune' },
    detail: 'delivered',
  });
  await t.record({
    event: 'status.read',
    messageId: 'another',
    outcome: 'success',
    who: { clientId: 'x', orgnr: '997005562' },
  });
  const records = await t.forMessage(id);
  expect(records.map((r) => r.event)).toEqual(['message.received', 'delivery.outcome']);
  expect(records[0]).toMatchObject({
    action: 'C',
    outcome: 'success',
    who: { clientId: 'hmr-dips', orgnr: '997005562' },
    source: 'gateway',
    messageId: id,
    sender: '997005562',
    messageEvent: 'meldeplikt',
  });
  expect(records[0].patient).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(records[1]).toMatchObject({ action: 'E', recipient: { orgnr: '942953119' }, detail: 'delivered' });
  expect(records[1].patient).toBeUndefined();
  // The whole stream has all three, and the message index expires by itself.
  expect((await t.latest(10)).map((r) => r.messageId)).toEqual(expect.arrayContaining([id, 'another']));
  expect(await redis.ttl(t.messageKey(id))).toBeGreaterThan(0);
});

test('the patient is a keyed hash: the same with the same key, different with another, never the number itself', async () => {
  const id = randomUUID();
  const a = await trail().record({
    event: 'message.received',
    messageId: id,
    outcome: 'success',
    who: {},
    personNumber: fnr,
  });
  const b = await trail({ source: 'router' }).record({
    event: 'delivery.attempt',
    messageId: id,
    outcome: 'success',
    who: {},
    personNumber: fnr,
  });
  const other = await trail({ hmacKey: randomBytes(32) }).record({
    event: 'delivery.attempt',
    messageId: id,
    outcome: 'success',
    who: {},
    personNumber: fnr,
  });
  expect(a.patient).toBe(b.patient);
  expect(other.patient).not.toBe(a.patient);
  const stored = JSON.stringify(await redis.lrange(trail().messageKey(id), 0, -1));
  expect(stored).toContain(String(a.patient));
  expect(stored).not.toContain(fnr);
  expect(lines.join('')).not.toContain(fnr);
  expect(lines.join('')).toContain(a.patient as string);
});

test('without a key the record names no patient, and the service says so', async () => {
  lines.length = 0;
  const r = await trail({ hmacKey: undefined }).record({
    event: 'message.received',
    messageId: randomUUID(),
    outcome: 'success',
    who: {},
    personNumber: fnr,
  });
  expect(r.patient).toBeUndefined();
  expect(lines.join('')).toContain('will not name the patient');
});

test('the stream is capped by length', async () => {
  const t = trail({ maxLength: 10, maxPerMessage: 5 });
  const id = randomUUID();
  for (let i = 0; i < 300; i++) await t.record({ event: 'status.read', messageId: id, outcome: 'success', who: {} });
  // Approximate trimming (MAXLEN ~) keeps whole macro nodes: bounded, though a little past the cap.
  expect(await redis.xlen(t.streamKey)).toBeLessThan(300);
  expect(await redis.llen(t.messageKey(id))).toBe(5);
});

test('when Redis cannot take a record, the log still holds it', async () => {
  const down = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  lines.length = 0;
  const t = new AuditTrail(down, { prefix, logger, source: 'gateway', hmacKey: key });
  const r = await t.record({
    event: 'message.received',
    messageId: 'm-down',
    outcome: 'success',
    who: { orgnr: '997005562' },
  });
  expect(r.id).toBeUndefined();
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.audit?.messageId === 'm-down');
  expect(logged).toMatchObject({ level: 50, audit: { event: 'message.received', who: { orgnr: '997005562' } } });
  down.disconnect();
});

test('a record not indexed by message (a read of an id nobody sent) is in the stream only', async () => {
  const t = trail();
  const id = `made-up-${randomUUID()}`;
  const r = await t.record({
    event: 'status.read',
    messageId: id,
    outcome: 'minor-failure',
    who: { orgnr: '942953119' },
    indexByMessage: false,
  });
  expect(r.id).toBeDefined();
  expect(await redis.exists(t.messageKey(id))).toBe(0);
  expect((await t.latest(5)).map((x) => x.messageId)).toContain(id);
});

test(
  "a record has one id: in the trail, in its message's stream and in its log line, even when " +
    'the trail has taken others in the same millisecond',
  async () => {
    const t = trail();
    const id = randomUUID();
    // Another record at the same millisecond (the whole system writes to one trail): put the trail ahead.
    await redis.xadd(t.streamKey, `${Date.now() + 60_000}-0`, 'record', '{}');
    lines.length = 0;
    const recorded = await t.record({ event: 'delivery.attempt', messageId: id, outcome: 'success', who: {} });
    // As a ledger write appends it (the move's own Redis step), which then stores (logs) it with its id.
    const ledger = new MessageLedger(redis, { prefix });
    await ledger.accept({ sender: '997005562', id, event: 'meldeplikt', body: '{}', enqueue: async () => undefined });
    const prepared = t.prepare({ event: 'delivery.outcome', messageId: id, outcome: 'success', who: {} });
    const { entryId } = await ledger.move({
      key: `997005562:${id}`,
      to: 'delivered',
      detail: 'HTTP 202',
      audit: prepared,
    });
    const own = (await t.forMessage(id)).map((r) => r.id);
    const inTrail = (await redis.xrange(t.streamKey, '-', '+'))
      .filter(([, f]) => f[1].includes(id))
      .map(([entry]) => entry);
    const logged = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'audit')
      .map((l) => l.audit.id);
    expect(own).toEqual([recorded.id, String(entryId)]);
    expect(inTrail).toEqual(own);
    expect(logged).toEqual(own);
    // The log line is the record as kept, its id included.
    const first = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'audit');
    expect(first).toMatchObject({ level: 30, service: 'audit-test', audit: recorded });
    expect(first.audit).toEqual(recorded);
  }
);

test(
  "the log line is written by the trail's own logger: a child's bindings are in it, and below " +
    'info there is none (the record is still stored)',
  async () => {
    const id = randomUUID();
    lines.length = 0;
    const child = await trail({ logger: logger.child({ component: 'trail' }) }).record({
      event: 'delivery.attempt',
      messageId: id,
      outcome: 'success',
      who: {},
    });
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'audit');
    expect(line).toMatchObject({ level: 30, service: 'audit-test', component: 'trail', audit: child });
    lines.length = 0;
    const quiet = createLogger('audit-test', {
      level: 'warn',
      destination: new Writable({
        write: (c, _e, cb) => {
          lines.push(String(c));
          cb();
        },
      }),
    });
    const kept = await trail({ logger: quiet }).record({
      event: 'delivery.outcome',
      messageId: id,
      outcome: 'success',
      who: {},
    });
    expect(lines).toEqual([]);
    expect((await trail().forMessage(id)).map((r) => r.id)).toEqual([child.id, kept.id]);
  }
);

test("a message's trail kept as a stream before the per-message list is still listed", async () => {
  const t = trail();
  const id = randomUUID();
  const old = `${prefix}:audit:message:${id}`;
  await redis.xadd(
    old,
    '*',
    'record',
    JSON.stringify({ event: 'message.received', messageId: id, outcome: 'success', who: {} })
  );
  const listed = await t.forMessage(id);
  expect(listed.map((r) => r.event)).toEqual(['message.received']);
  expect(listed[0].id).toMatch(/^\d+-\d+$/);
});

test("a message's own index costs about its entries, not a stream node preallocated per message", async () => {
  const t = trail();
  const id = randomUUID();
  const r = await t.record({
    event: 'message.received',
    messageId: id,
    outcome: 'success',
    who: { clientId: 'hmr-dips', orgnr: '997005562' },
    personNumber: fnr,
  });
  const bytes = Number(await redis.call('MEMORY', 'USAGE', t.messageKey(id), 'SAMPLES', '0'));
  expect(bytes).toBeGreaterThan(JSON.stringify(r).length);
  expect(bytes).toBeLessThan(JSON.stringify(r).length + 400);
});

test("a message's own list expires AUDIT_RETENTION_DAYS after its last entry, and 0 keeps it for good", async () => {
  const id = randomUUID();
  const entry = { event: 'status.read', messageId: id, outcome: 'success', who: {} } as const;
  const t = trail({ retentionDays: 2 });
  await t.record(entry);
  const ttl = await redis.ttl(t.messageKey(id));
  expect(ttl).toBeGreaterThan(2 * 24 * 3600 - 60);
  expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
  await trail({ retentionDays: 0 }).record(entry);
  expect(await redis.ttl(t.messageKey(id))).toBe(-1);
  expect((await t.forMessage(id)).length).toBe(2);
});
