import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import {
  BodyCipher,
  jobIdFor,
  MESSAGE_STATES,
  MessageLedger,
  storedKeyId,
  type MessageState,
  type MovePatch,
} from './index';

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
afterAll(() => removeTestData(redis, prefix, queue));

const enqueue = (jobId: string) => queue.add('deliver', { jobId }, { jobId }).then(() => undefined);

test('accept queues once and answers a repeat with the existing record', async () => {
  const first = await ledger.accept({ sender: '997005562', id: 'm-1', event: 'meldeplikt', body: '{"x":1}', enqueue });
  expect(first.created).toBe(true);
  expect(first.record).toMatchObject({
    key: '997005562:m-1',
    state: 'queued',
    attempts: 0,
    history: [{ state: 'queued', detail: 'accepted' }],
  });
  const again = await ledger.accept({ sender: '997005562', id: 'm-1', event: 'meldeplikt', body: '{"x":1}', enqueue });
  expect(again.created).toBe(false);
  expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(1);
  expect(await ledger.body('997005562:m-1')).toBe('{"x":1}');
  // The same id from another sender is another message.
  expect(
    (await ledger.accept({ sender: '942953119', id: 'm-1', event: 'meldeplikt', body: '{}', enqueue })).created
  ).toBe(true);
  expect((await ledger.findById('m-1')).map((r) => r.sender).sort()).toEqual(['942953119', '997005562']);
});

test('a crash after the job and before the seen mark: the retry queues no second job and writes the mark', async () => {
  const key = '997005562:m-crash';
  const crashing = async (jobId: string) => {
    await enqueue(jobId);
    throw new Error('gateway died here');
  };
  await expect(
    ledger.accept({ sender: '997005562', id: 'm-crash', event: 'meldeplikt', body: '{"try":1}', enqueue: crashing })
  ).rejects.toThrow('gateway died');
  expect(await ledger.get(key)).toBeUndefined(); // no seen mark: the sender's retry must not get 200 for nothing
  expect(await ledger.listByState('queued')).not.toContain(key);
  const retry = await ledger.accept({
    sender: '997005562',
    id: 'm-crash',
    event: 'meldeplikt',
    body: '{"try":2}',
    enqueue,
  });
  expect(retry.created).toBe(true);
  expect(retry.record).toMatchObject({ key, state: 'queued', history: [{ state: 'queued' }] });
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  expect(jobs.filter((j) => j.data.jobId === jobIdFor(key)).map((j) => j.id)).toEqual([jobIdFor(key)]); // exactly one job
  expect(await ledger.get(key)).toMatchObject({ key, state: 'queued' });
  expect(await ledger.listByState('queued')).toContain(key);
  expect((await ledger.findById('m-crash')).map((r) => r.key)).toEqual([key]);
  expect(await ledger.body(key)).toBe('{"try":2}');
  // and a third post is a repeat
  expect(
    (await ledger.accept({ sender: '997005562', id: 'm-crash', event: 'meldeplikt', body: '{}', enqueue })).created
  ).toBe(false);
});

test('two concurrent posts of one message: one job, one 202 and one repeat', async () => {
  const posts = await Promise.all(
    [1, 2].map(() => ledger.accept({ sender: '997005562', id: 'm-race', event: 'meldeplikt', body: '{}', enqueue }))
  );
  expect(posts.map((p) => p.created).sort()).toEqual([false, true]);
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
  expect(jobs.filter((j) => j.id === jobIdFor('997005562:m-race'))).toHaveLength(1);
  expect(await ledger.findById('m-race')).toHaveLength(1);
});

test("without the ledger's order (mark first) the crash would lose the message: the test above guards a real risk", async () => {
  // The wrong order, done by hand: mark written, then the gateway dies before the job.
  await ledger.ensureRecord(
    { key: '997005562:m-wrong', id: 'm-wrong', sender: '997005562', event: 'meldeplikt' },
    'gateway'
  );
  const retry = await ledger.accept({ sender: '997005562', id: 'm-wrong', event: 'meldeplikt', body: '{}', enqueue });
  expect(retry.created).toBe(false); // answered as a repeat …
  expect(await queue.getJob(jobIdFor('997005562:m-wrong'))).toBeUndefined(); // … and never queued
});

test('transitions append history, keep state sets in step, and do not leave a final state unless forced', async () => {
  await ledger.accept({ sender: '997005562', id: 'm-t', event: 'meldeplikt', body: '{}', enqueue });
  const key = '997005562:m-t';
  await ledger.move({ key, to: 'retrying', detail: 'HTTP 503', patch: { attempts: 1 } });
  await ledger.move({
    key,
    to: 'delivered',
    detail: 'HTTP 202',
    patch: { attempts: 2, recipient: { kommunenummer: '1508' } },
  });
  const acked = (
    await ledger.move({
      key,
      to: 'acknowledged',
      detail: 'receipt ok',
      patch: { receipt: { code: 'ok', at: '2026-11-24T12:00:00Z' } },
    })
  ).record;
  expect(acked.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'delivered', 'acknowledged']);
  expect(acked).toMatchObject({ attempts: 2, recipient: { kommunenummer: '1508' }, receipt: { code: 'ok' } });
  const late = (await ledger.move({ key, to: 'delivered', detail: 'late bookkeeping' })).record;
  expect(late.state).toBe('acknowledged');
  expect(await ledger.listByState('acknowledged')).toContain(key);
  expect(await ledger.listByState('delivered')).not.toContain(key);
  const redriven = (await ledger.move({ key, to: 'queued', detail: 'operator re-drive', force: true })).record;
  expect(redriven.state).toBe('queued');
  await expect(ledger.move({ key: 'nobody:none', to: 'queued' })).rejects.toThrow('No message');
  await ledger.move({ key, to: 'unroutable', detail: 'no kommune' });
  expect(await ledger.move({ key, from: 'unroutable', to: 'queued', detail: 're-drive' })).toMatchObject({
    changed: true,
    record: { state: 'queued' },
  });
  // only one re-drive wins
  expect((await ledger.move({ key, from: 'unroutable', to: 'queued', detail: 're-drive again' })).changed).toBe(false);
  // Several expected states: the move happens from any of them.
  await ledger.move({ key, to: 'retrying', detail: 'HTTP 503' });
  expect(
    (await ledger.move({ key, from: ['delivered', 'unroutable'], to: 'queued', detail: 'not from retrying' })).changed
  ).toBe(false);
  expect(
    (await ledger.move({ key, from: ['delivered', 'retrying'], to: 'queued', detail: 'from retrying' })).record.state
  ).toBe('queued');
});

test("a worker that writes the mark before the gateway does not turn the gateway's 202 into a 200", async () => {
  const fastWorker = async (jobId: string) => {
    await enqueue(jobId);
    await ledger.ensureRecord({ key: '997005562:m-fast', id: 'm-fast', sender: '997005562', event: 'meldeplikt' });
  };
  expect(
    (await ledger.accept({ sender: '997005562', id: 'm-fast', event: 'meldeplikt', body: '{}', enqueue: fastWorker }))
      .created
  ).toBe(true);
  expect(
    (await ledger.accept({ sender: '997005562', id: 'm-fast', event: 'meldeplikt', body: '{}', enqueue })).created
  ).toBe(false);
});

test('a record is written with its indexes in one step, and an existing one is never overwritten', async () => {
  const first = await ledger.ensureRecord({
    key: '997005562:m-idx',
    id: 'm-idx',
    sender: '997005562',
    event: 'meldeplikt',
    recipient: { kommunenummer: '1508' },
  });
  expect(first.created).toBe(true);
  expect(first.record.recordedBy).toBe('worker');
  await ledger.move({ key: '997005562:m-idx', to: 'retrying', detail: 'HTTP 503', patch: { attempts: 1 } });
  const second = await ledger.ensureRecord(
    { key: '997005562:m-idx', id: 'm-idx', sender: '997005562', event: 'meldeplikt' },
    'gateway'
  );
  expect(second).toMatchObject({
    created: false,
    record: { state: 'retrying', attempts: 1, recipient: { kommunenummer: '1508' }, recordedBy: 'worker' },
  });
  expect(await ledger.listByState('retrying')).toContain('997005562:m-idx');
  expect(await ledger.listByState('queued')).not.toContain('997005562:m-idx');
  expect((await ledger.findById('m-idx')).map((r) => r.state)).toEqual(['retrying']);
});

test('the worker can write the mark first; the gateway then finds it', async () => {
  const key = '997005562:m-w';
  await redis.set(`${prefix}:body:${key}`, '{}');
  expect((await ledger.ensureRecord({ key, id: 'm-w', sender: '997005562', event: 'meldeplikt' })).created).toBe(true);
  expect((await ledger.ensureRecord({ key, id: 'm-w', sender: '997005562', event: 'meldeplikt' })).created).toBe(false);
  const counts = await ledger.countByState();
  expect(counts.queued).toBeGreaterThanOrEqual(1);
});

test('every final state holds against later changes; state sets stay in step', async () => {
  for (const final of ['acknowledged', 'rejected', 'blocked', 'dead'] as const) {
    const id = `m-final-${final}`;
    const key = `997005562:${id}`;
    await ledger.accept({ sender: '997005562', id, event: 'meldeplikt', body: '{}', enqueue });
    await ledger.move({ key, to: final, detail: 'final' });
    for (const later of ['queued', 'delivered', 'retrying', 'unroutable', 'acknowledged', 'rejected'] as const) {
      const { changed, record: r } = await ledger.move({ key, to: later, detail: 'too late', patch: { attempts: 9 } });
      expect(changed).toBe(false);
      expect(r.state).toBe(final);
      expect(r.attempts).toBe(0); // the patch of a refused change is not applied either
    }
    const r = (await ledger.get(key))!;
    expect(r.history.map((h) => h.state)).toEqual(['queued', final]);
    const counts = await Promise.all(
      MESSAGE_STATES.map(async (s) => ((await ledger.listByState(s)).includes(key) ? s : undefined))
    );
    expect(counts.filter(Boolean)).toEqual([final]); // in exactly one state set
  }
});

test('record and body in one round trip', async () => {
  await ledger.accept({ sender: '997005562', id: 'm-both', event: 'meldeplikt', body: '{"b":2}', enqueue });
  const both = await ledger.getWithBody('997005562:m-both');
  expect(both.body).toBe('{"b":2}');
  expect(both.record?.state).toBe('queued');
  expect(await ledger.getWithBody('nobody:none')).toEqual({});
});

describe('bodies encrypted at rest', () => {
  const secretBody = JSON.stringify({
    resourceType: 'Bundle',
    patient: 'Kari Nordmann',
    fnr: '12830551210',
    note: 'innlagt med hjerteinfarkt',
  });
  const enqueueNothing = async () => undefined;

  test('accept stores ciphertext under the body key; body and getWithBody give the text back', async () => {
    const cipher = new BodyCipher(randomBytes(32));
    const sealed = new MessageLedger(redis, { prefix, cipher });
    await sealed.accept({
      sender: '997005562',
      id: 'enc-1',
      event: 'meldeplikt',
      body: secretBody,
      enqueue: enqueueNothing,
    });
    const raw = (await redis.get(`${prefix}:body:997005562:enc-1`)) as string;
    expect(storedKeyId(raw)).toBe(cipher.keyId);
    for (const s of ['Kari', 'Nordmann', '12830551210', 'hjerteinfarkt']) expect(raw).not.toContain(s);
    expect(await sealed.body('997005562:enc-1')).toBe(secretBody);
    expect((await sealed.getWithBody('997005562:enc-1')).body).toBe(secretBody);
    expect(await sealed.bodyIsEncrypted('997005562:enc-1')).toBe(true);
    // Without the key the body is refused, never handed on as if it were the message.
    await expect(ledger.body('997005562:enc-1')).rejects.toThrow(/encrypted and this ledger has no key/);
  });

  test(
    'each ledger uses the cipher it is given, whatever other ledgers on the connection use; without ' +
      'one, bodies are in clear',
    async () => {
      const bound = new BodyCipher(randomBytes(32));
      const conn = redis.duplicate();
      await new MessageLedger(conn, { prefix, cipher: bound }).accept({
        sender: '997005562',
        id: 'enc-2',
        event: 'meldeplikt',
        body: secretBody,
        enqueue: enqueueNothing,
      });
      expect(storedKeyId((await redis.get(`${prefix}:body:997005562:enc-2`)) as string)).toBe(bound.keyId);
      expect(await new MessageLedger(conn, { prefix, cipher: bound }).body('997005562:enc-2')).toBe(secretBody);
      const other = new BodyCipher(randomBytes(32));
      await new MessageLedger(conn, { prefix, cipher: other }).accept({
        sender: '997005562',
        id: 'enc-3',
        event: 'meldeplikt',
        body: secretBody,
        enqueue: enqueueNothing,
      });
      expect(storedKeyId((await redis.get(`${prefix}:body:997005562:enc-3`)) as string)).toBe(other.keyId);
      // Nothing is bound to the connection: a ledger built without a cipher has none.
      await new MessageLedger(conn, { prefix }).accept({
        sender: '997005562',
        id: 'enc-3b',
        event: 'meldeplikt',
        body: secretBody,
        enqueue: enqueueNothing,
      });
      expect(await redis.get(`${prefix}:body:997005562:enc-3b`)).toBe(secretBody);
      await expect(new MessageLedger(conn, { prefix }).body('997005562:enc-2')).rejects.toThrow(
        /encrypted and this ledger has no key/
      );
      conn.disconnect();
    }
  );

  test('a body stored in the earlier base64 envelope still reads; new bodies are bytes, 58 more than the text', async () => {
    const key = randomBytes(32);
    const cipher = new BodyCipher(key);
    const sealed = new MessageLedger(redis, { prefix, cipher });
    await sealed.accept({
      sender: '997005562',
      id: 'enc-5',
      event: 'meldeplikt',
      body: secretBody,
      enqueue: enqueueNothing,
    });
    expect(await redis.strlen(`${prefix}:body:997005562:enc-5`)).toBe(Buffer.byteLength(secretBody) + 58);
    // The earlier envelope: `ipbro-enc:v1:<keyId>:` + base64(iv|tag|ciphertext).
    const iv = randomBytes(12);
    const gcm = createCipheriv('aes-256-gcm', key, iv);
    gcm.setAAD(Buffer.from('997005562:enc-6', 'utf8'));
    const ciphertext = Buffer.concat([gcm.update(secretBody, 'utf8'), gcm.final()]);
    await sealed.accept({ sender: '997005562', id: 'enc-6', event: 'meldeplikt', body: '{}', enqueue: enqueueNothing });
    await redis.set(
      `${prefix}:body:997005562:enc-6`,
      `ipbro-enc:v1:${cipher.keyId}:${Buffer.concat([iv, gcm.getAuthTag(), ciphertext]).toString('base64')}`
    );
    expect((await sealed.getWithBody('997005562:enc-6')).body).toBe(secretBody);
    expect(await sealed.bodyIsEncrypted('997005562:enc-6')).toBe(true);
  });

  test('a body written in clear before encryption was turned on still reads', async () => {
    await ledger.accept({
      sender: '997005562',
      id: 'enc-4',
      event: 'meldeplikt',
      body: '{"old":true}',
      enqueue: enqueueNothing,
    });
    const sealed = new MessageLedger(redis, { prefix, cipher: new BodyCipher(randomBytes(32)) });
    expect(await sealed.body('997005562:enc-4')).toBe('{"old":true}');
    expect(await sealed.bodyIsEncrypted('997005562:enc-4')).toBe(false);
  });
});

test('a single-winner move with force: one operator retry wins out of a final state, the second finds it moved', async () => {
  await ledger.accept({
    sender: '997005562',
    id: 'forced-1',
    event: 'meldeplikt',
    body: '{}',
    enqueue: async () => undefined,
  });
  await ledger.move({ key: '997005562:forced-1', to: 'dead', detail: 'attempts exhausted' });
  expect(
    (await ledger.move({ key: '997005562:forced-1', from: 'dead', to: 'queued', detail: 'not forced' })).changed
  ).toBe(false);
  const [a, b] = await Promise.all([
    ledger.move({
      key: '997005562:forced-1',
      from: 'dead',
      to: 'queued',
      detail: 'retried by ops-a',
      patch: { attempts: 0 },
      force: true,
    }),
    ledger.move({
      key: '997005562:forced-1',
      from: 'dead',
      to: 'queued',
      detail: 'retried by ops-b',
      patch: { attempts: 0 },
      force: true,
    }),
  ]);
  expect([a, b].filter((m) => m.changed)).toHaveLength(1);
  expect((await ledger.get('997005562:forced-1'))?.history.map((h) => h.state)).toEqual(['queued', 'dead', 'queued']);
  expect(await ledger.listByState('dead')).not.toContain('997005562:forced-1');
});

test('getMany reads records in batches and leaves out keys that have none', async () => {
  const keys: string[] = [];
  for (let i = 0; i < 1003; i++) keys.push(`997005562:many-${i}`);
  await Promise.all(
    keys
      .slice(0, 1002)
      .map((key, i) => ledger.ensureRecord({ key, id: `many-${i}`, sender: '997005562', event: 'meldeplikt' }))
  );
  const records = await ledger.getMany(keys);
  expect(records).toHaveLength(1002);
  expect(records[1001]).toMatchObject({ key: '997005562:many-1001', state: 'queued', history: [{ state: 'queued' }] });
  expect(await ledger.getMany([])).toEqual([]);
});

test(
  'the body of an acknowledged message expires after the retention; other states keep it; a forced ' +
    're-drive keeps it again',
  async () => {
    const short = new MessageLedger(redis, { prefix, bodyRetentionSeconds: 60 });
    const bodyKey = (id: string) => `${prefix}:body:997005562:${id}`;
    for (const id of ['ret-ack', 'ret-dead'])
      await short.accept({ sender: '997005562', id, event: 'meldeplikt', body: '{"r":1}', enqueue });
    await short.move({ key: '997005562:ret-ack', to: 'delivered', detail: 'taken' });
    expect(await redis.ttl(bodyKey('ret-ack'))).toBe(-1);
    await short.move({ key: '997005562:ret-ack', to: 'acknowledged', detail: 'receipt ok' });
    const ttl = await redis.ttl(bodyKey('ret-ack'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    await short.move({ key: '997005562:ret-dead', to: 'dead', detail: 'attempts exhausted' });
    expect(await redis.ttl(bodyKey('ret-dead'))).toBe(-1); // ops may retry it: the body stays
    await short.move({ key: '997005562:ret-ack', to: 'queued', detail: 'ops re-drive', force: true });
    expect(await redis.ttl(bodyKey('ret-ack'))).toBe(-1);
    const keep = new MessageLedger(redis, { prefix, bodyRetentionSeconds: 0 });
    await keep.accept({ sender: '997005562', id: 'ret-keep', event: 'meldeplikt', body: '{"r":2}', enqueue });
    await keep.move({ key: '997005562:ret-keep', to: 'acknowledged', detail: 'receipt ok' });
    expect(await redis.ttl(bodyKey('ret-keep'))).toBe(-1);
  }
);

describe('a move from the record the caller read (the moved record built, not parsed back)', () => {
  test('each move leaves exactly the record the ledger stores, patch, history and entry id included', async () => {
    const key = '997005562:m-from';
    const stream = `${prefix}:trail-from`;
    let record = (await ledger.accept({ sender: '997005562', id: 'm-from', event: 'meldeplikt', body: '{}', enqueue }))
      .record;
    const recipient = {
      kommunenummer: '1508',
      orgnr: '942953119',
      herId: '8143101',
      name: 'Ålesund kommune',
      endpoint: 'http://ke.example/ålesund',
    };
    const moves: [MessageState, string, MovePatch][] = [
      ['retrying', 'attempt 1 of 30: 503', { attempts: 1, recipient }],
      ['retrying', '', { attempts: 2 }],
      [
        'acknowledged',
        'receipt ok',
        { attempts: 3, receipt: { code: 'ok', at: '2026-12-01T03:00:00.000Z', detail: 'tatt imot «ÆØÅ» / ok' } },
      ],
    ];
    for (const [state, detail, patch] of moves) {
      const stored: string[] = [];
      const audit = {
        append: { stream, maxLength: 100, text: `moved to ${state}` },
        stored: (id: string) => void stored.push(id),
      };
      const moved = await ledger.move({ key, to: state, detail, patch, audit, read: record });
      expect(moved.changed).toBe(true);
      expect(moved.entryId).toMatch(/^\d+-\d+$/);
      expect(stored).toEqual([moved.entryId]);
      expect(moved.record).toEqual(await ledger.get(key));
      expect(moved.record.state).toBe(state);
      record = moved.record;
    }
    expect(record.history.map((h) => h.detail ?? '')).toEqual(['accepted', ...moves.map(([, detail]) => detail)]);
    expect(record).toMatchObject({ attempts: 3, recipient, receipt: { code: 'ok' } });
    // A move refused (the record is final) answers with the stored record, never the caller's copy.
    const refused = await ledger.move({
      key,
      to: 'acknowledged',
      detail: 'again',
      read: { ...record, state: 'queued', marker: 'caller' } as typeof record,
    });
    expect(refused).toMatchObject({ changed: false, record: { state: 'acknowledged' } }); // final: refused, the stored record
    expect(refused.record).not.toHaveProperty('marker');
  });

  test("the moved record is built from the caller's copy only when the stored one is that record", async () => {
    const key = '997005562:m-from-built';
    const read = (
      await ledger.accept({ sender: '997005562', id: 'm-from-built', event: 'meldeplikt', body: '{}', enqueue })
    ).record;
    const moved = await ledger.move({
      key,
      to: 'retrying',
      detail: 'x',
      patch: { attempts: 1 },
      read: { ...read, marker: 'caller' } as typeof read,
    });
    expect(moved.record).toHaveProperty('marker', 'caller'); // not parsed back
    const { marker: _marker, ...stored } = moved.record as typeof moved.record & { marker: string };
    expect(stored).toEqual(await ledger.get(key));
  });

  test('a record moved by someone else since it was read comes back as stored, with both moves in its history', async () => {
    const key = '997005562:m-from-stale';
    const read = (
      await ledger.accept({ sender: '997005562', id: 'm-from-stale', event: 'meldeplikt', body: '{}', enqueue })
    ).record;
    await ledger.move({ key, to: 'retrying', detail: 'another worker', patch: { attempts: 1 } });
    const moved = await ledger.move({ key, to: 'delivered', detail: 'this worker', patch: { attempts: 1 }, read });
    expect(moved.record).toEqual(await ledger.get(key));
    expect(moved.record.history.map((h) => h.detail)).toEqual(['accepted', 'another worker', 'this worker']);
    // A refused move (the record went final since it was read) answers with the record as it is.
    await ledger.move({ key, to: 'rejected', detail: 'fatal-error' });
    const late = await ledger.move({ key, to: 'retrying', detail: 'too late', read: moved.record });
    expect(late).toEqual({ changed: false, record: await ledger.get(key) });
    expect(late.record.state).toBe('rejected');
  });
});

describe('an entry appended with the write it records (the audit record of a change)', () => {
  const stream = `${prefix}:trail`;
  const own = `${prefix}:trail:own`;
  const stored: string[] = [];
  const entry = (text: string) => ({
    append: { stream, maxLength: 1000, indexed: { stream: own, maxLength: 100, ttlSeconds: 60 }, text },
    stored: (id: string) => void stored.push(id),
  });
  const texts = async (key: string) =>
    key === own
      ? (await redis.lrange(key, 0, -1)).map((e) => e.slice(e.indexOf(' ') + 1))
      : (await redis.xrange(key, '-', '+')).map(([, fields]) => fields[1]);

  test('accept appends it with the seen mark it writes, and a repeat appends nothing', async () => {
    const first = await ledger.accept({
      sender: '997005562',
      id: 'm-append',
      event: 'meldeplikt',
      body: '{}',
      enqueue,
      audit: entry('received m-append'),
    });
    expect(first.created).toBe(true);
    expect(first.entryId).toMatch(/^\d+-\d+$/);
    expect(stored).toEqual([first.entryId]);
    const again = await ledger.accept({
      sender: '997005562',
      id: 'm-append',
      event: 'meldeplikt',
      body: '{}',
      enqueue,
      audit: entry('received m-append again'),
    });
    expect(again).toMatchObject({ created: false });
    expect(again.entryId).toBeUndefined();
    expect(stored).toEqual([first.entryId]);
    expect(await texts(stream)).toEqual(['received m-append']);
    expect(await texts(own)).toEqual(['received m-append']);
    expect(await redis.ttl(own)).toBeGreaterThan(0);
  });

  test('a move appends it only when the change happens', async () => {
    await redis.del(stream, own);
    const key = '997005562:m-append-move';
    await ledger.accept({ sender: '997005562', id: 'm-append-move', event: 'meldeplikt', body: '{}', enqueue });
    stored.length = 0;
    const moved = await ledger.move({
      key,
      to: 'acknowledged',
      detail: 'receipt ok',
      patch: { attempts: 1 },
      audit: entry('acknowledged'),
    });
    expect(moved).toMatchObject({ changed: true, record: { state: 'acknowledged', attempts: 1 } });
    expect(moved.entryId).toMatch(/^\d+-\d+$/);
    // Acknowledged is final: a late `delivered` is refused, and so is its record.
    const refused = await ledger.move({ key, to: 'delivered', detail: 'late', audit: entry('delivered') });
    expect(refused).toEqual({ changed: false, record: expect.objectContaining({ state: 'acknowledged' }) });
    expect(stored).toEqual([moved.entryId]);
    // Without an entry nothing is appended (the stream keys are not touched).
    await ledger.move({ key, to: 'dead', detail: 'forced?' });
    expect(await texts(stream)).toEqual(['acknowledged']);
    expect((await ledger.get(key))?.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
  });
});
