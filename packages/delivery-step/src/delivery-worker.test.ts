import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger, requeueJobIdFor, type MessageRecord } from '@ipbro/message-ledger';
import { createQueue, QUEUES, type DeliveryJobData } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createLogger } from '@ipbro/service-kit';
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditTrail } from '@ipbro/audit';
import { settleDeliveryStep } from './delivery-worker';
import { unroutableRedriver } from './unroutable-redrive';

const log = createLogger('test', { level: 'silent' });
const delivery = { firstDelayMs: 1000, ceilingMs: 60_000, attempts: 5 };
const record = { state: 'retrying', attempts: 1 } as MessageRecord;
function jobWithDelays(): { job: Job<DeliveryJobData>; delays: number[] } {
  const delays: number[] = [];
  const job = {
    moveToDelayed: async (at: number) => void delays.push(at - Date.now()),
  } as unknown as Job<DeliveryJobData>;
  return { job, delays };
}

test("a retry throws for BullMQ's backoff; a longer Retry-After moves the job to delayed (capped at the ceiling) instead", async () => {
  const { job, delays } = jobWithDelays();
  await expect(
    settleDeliveryStep({ kind: 'retry', reason: 'HTTP 503', record, attempt: 1 }, job, 'tok', delivery, log, {})
  ).rejects.toThrow('HTTP 503');
  await expect(
    settleDeliveryStep(
      { kind: 'retry', reason: 'HTTP 503', record, attempt: 1, retryAfterMs: 500 },
      job,
      'tok',
      delivery,
      log,
      {}
    )
  ).rejects.not.toBeInstanceOf(DelayedError);
  expect(delays).toEqual([]);
  await expect(
    settleDeliveryStep(
      { kind: 'retry', reason: 'HTTP 429', record, attempt: 1, retryAfterMs: 10 * 60_000 },
      job,
      'tok',
      delivery,
      log,
      {}
    )
  ).rejects.toBeInstanceOf(DelayedError);
  expect(delays).toHaveLength(1);
  expect(delays[0]).toBeGreaterThan(59_000);
  expect(delays[0]).toBeLessThanOrEqual(60_000);
});

test('a fatal step ends the job for good; a done step resolves', async () => {
  const { job } = jobWithDelays();
  await expect(
    settleDeliveryStep(
      { kind: 'fatal', reason: 'HTTP 400', record: { ...record, state: 'rejected' } },
      job,
      'tok',
      delivery,
      log,
      {}
    )
  ).rejects.toBeInstanceOf(UnrecoverableError);
  await expect(
    settleDeliveryStep({ kind: 'done', record: { ...record, state: 'delivered' } }, job, 'tok', delivery, log, {})
  ).resolves.toBeUndefined();
});

describe('unroutableRedriver', () => {
  const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
  let redis: Redis;
  let ledger: MessageLedger;
  let queue: Queue<DeliveryJobData>;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    ledger = new MessageLedger(redis, { prefix });
    queue = createQueue(QUEUES.meldeplikt, redis, delivery, prefix);
  });
  afterAll(() => removeTestData(redis, prefix, queue));

  /** The example meldeplikt parked unroutable for Ålesund, and a directory that now knows Ålesund. */
  async function parkedMessage(): Promise<{ id: string; key: string; directory: Directory }> {
    const bundle = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8')
    );
    const id = randomUUID();
    bundle.entry[0].resource.id = id;
    const key = ledgerKey('997005562', id);
    await ledger.accept({
      sender: '997005562',
      id,
      event: 'meldeplikt',
      body: JSON.stringify(bundle),
      enqueue: async () => undefined,
    });
    await ledger.move({ key, to: 'unroutable', detail: 'no koordinerende enhet known for kommune 1508' });
    const directory = Directory.fromObject({
      kommuner: [
        {
          kommunenummer: '1508',
          name: 'Ålesund kommune',
          orgnr: '942953119',
          koordinerendeEnhet: { herId: '8110021', endpoint: 'http://127.0.0.1:9/ke', delivery: 'fhir-message' },
        },
      ],
      helseforetak: [],
    });
    return { id, key, directory };
  }

  test(
    'on a directory reload it re-queues what the directory can now route, recorded in the audit ' +
      'trail, and after stop() it no longer listens',
    async () => {
      const { id, key, directory } = await parkedMessage();
      const audit = new AuditTrail(redis, { prefix, logger: log, source: 'meldeplikt-router' });
      const redriver = unroutableRedriver({
        ledger,
        queue,
        directory,
        events: ['meldeplikt'],
        log,
        sweepMs: 3_600_000,
        audit,
      });
      redriver.stop();
      directory.emit('reloaded');
      expect(redriver.sweeping()).toBeUndefined();
      const again = unroutableRedriver({
        ledger,
        queue,
        directory,
        events: ['meldeplikt'],
        log,
        sweepMs: 3_600_000,
        audit,
      });
      directory.emit('reloaded');
      await again.sweeping();
      again.stop();
      expect((await ledger.get(key))?.state).toBe('queued');
      expect(await queue.getJobCountByTypes('waiting')).toBe(1);
      expect(directory.listenerCount('reloaded')).toBe(0);
      // The move's record, appended in the same step: who (the worker itself), what, and to which state.
      const trail = await audit.forMessage(id);
      expect(trail).toEqual([
        expect.objectContaining({
          event: 'message.redriven',
          action: 'U',
          outcome: 'success',
          source: 'meldeplikt-router',
          sender: '997005562',
          messageEvent: 'meldeplikt',
          detail: 'queued: the directory now knows the recipient',
        }),
      ]);
      // A second sweep finds nothing to move, and records nothing.
      expect(
        await unroutableRedriver({
          ledger,
          queue,
          directory,
          events: ['meldeplikt'],
          log,
          sweepMs: 3_600_000,
          audit,
        }).redrive()
      ).toBe(0);
      expect(await audit.forMessage(id)).toHaveLength(1);
    }
  );

  test(
    'a re-drive adds its job before the ledger move: a sweep that dies between the two leaves a ' +
      'held job, not a queued message without one',
    async () => {
      const { id, key, directory } = await parkedMessage();
      const parked = (await ledger.get(key))!;
      const move = jest.spyOn(ledger, 'move').mockRejectedValueOnce(new Error('Connection is closed.'));
      const redriver = unroutableRedriver({
        ledger,
        queue,
        directory,
        events: ['meldeplikt'],
        log,
        sweepMs: 3_600_000,
        holdMs: 5_000,
      });
      try {
        await expect(redriver.redrive()).rejects.toThrow('Connection is closed.');
        const held = await queue.getJob(requeueJobIdFor(parked));
        expect(await held?.getState()).toBe('delayed');
        expect(held?.delay).toBe(5_000);
        expect(held?.data).toEqual({ key, messageId: id, sender: '997005562', event: 'meldeplikt' });
        expect((await ledger.get(key))?.state).toBe('unroutable');
        // The next sweep moves it and releases that same job: still one job, now due.
        move.mockRestore();
        expect(await redriver.redrive()).toBe(1);
        expect((await ledger.get(key))?.state).toBe('queued');
        expect(await held?.getState()).toBe('waiting');
        expect((await queue.getJobs(['waiting', 'delayed'])).filter((j) => j.data.key === key)).toHaveLength(1);
      } finally {
        move.mockRestore();
        redriver.stop();
      }
    }
  );
});
