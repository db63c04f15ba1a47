import type { MessageRecord } from '@ipbro/message-ledger';
import type { DeliveryJobData } from '@ipbro/queues';
import { createLogger } from '@ipbro/service-kit';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { settleDeliveryStep } from './delivery-worker';

const log = createLogger('test', { level: 'silent' });
const delivery = { firstDelayMs: 1000, ceilingMs: 60_000, attempts: 5 };
const record = { state: 'retrying', attempts: 1 } as MessageRecord;
function jobWithDelays(): { job: Job<DeliveryJobData>; delays: number[] } {
  const delays: number[] = [];
  const job = { moveToDelayed: async (at: number) => void delays.push(at - Date.now()) } as unknown as Job<DeliveryJobData>;
  return { job, delays };
}

test('a retry throws for BullMQ\'s backoff; a longer Retry-After moves the job to delayed (capped at the ceiling) instead', async () => {
  const { job, delays } = jobWithDelays();
  await expect(settleDeliveryStep({ kind: 'retry', reason: 'HTTP 503', record, attempt: 1 }, job, 'tok', delivery, log, {})).rejects.toThrow('HTTP 503');
  await expect(settleDeliveryStep({ kind: 'retry', reason: 'HTTP 503', record, attempt: 1, retryAfterMs: 500 }, job, 'tok', delivery, log, {})).rejects.not.toBeInstanceOf(DelayedError);
  expect(delays).toEqual([]);
  await expect(settleDeliveryStep({ kind: 'retry', reason: 'HTTP 429', record, attempt: 1, retryAfterMs: 10 * 60_000 }, job, 'tok', delivery, log, {})).rejects.toBeInstanceOf(DelayedError);
  expect(delays).toHaveLength(1);
  expect(delays[0]).toBeGreaterThan(59_000);
  expect(delays[0]).toBeLessThanOrEqual(60_000);
});

test('a fatal step ends the job for good; a done step resolves', async () => {
  const { job } = jobWithDelays();
  await expect(settleDeliveryStep({ kind: 'fatal', reason: 'HTTP 400', record: { ...record, state: 'rejected' } }, job, 'tok', delivery, log, {})).rejects.toBeInstanceOf(UnrecoverableError);
  await expect(settleDeliveryStep({ kind: 'done', record: { ...record, state: 'delivered' } }, job, 'tok', delivery, log, {})).resolves.toBeUndefined();
});
