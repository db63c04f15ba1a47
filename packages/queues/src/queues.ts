import { Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { BACKOFF_STRATEGY, cappedExponentialDelay, deliveryAttemptsFor } from './backoffs';
import { QUEUE_PREFIX, type DeliveryJobData, type QueueName } from './queue-names';

export interface DeliverySettings {
  firstDelayMs: number;
  ceilingMs: number;
  /** 0: enough attempts for 24 h with that backoff. */
  attempts: number;
}

export function resolveAttempts(s: DeliverySettings): number {
  return s.attempts > 0 ? s.attempts : deliveryAttemptsFor(s.firstDelayMs, s.ceilingMs);
}

/** Default job options: capped exponential retries, and finished jobs aged out so Redis stays bounded. */
export function deliveryJobOptions(s: DeliverySettings): JobsOptions {
  return {
    attempts: resolveAttempts(s),
    backoff: { type: BACKOFF_STRATEGY },
    removeOnComplete: { age: 24 * 3600, count: 10000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function createQueue(name: QueueName, connection: Redis, settings: DeliverySettings, prefix = QUEUE_PREFIX): Queue<DeliveryJobData> {
  return new Queue<DeliveryJobData>(name, { connection, prefix, defaultJobOptions: deliveryJobOptions(settings) });
}

export function createWorker(
  name: QueueName,
  processor: Processor<DeliveryJobData>,
  connection: Redis,
  settings: DeliverySettings,
  options: Partial<WorkerOptions> = {},
  prefix = QUEUE_PREFIX
): Worker<DeliveryJobData> {
  return new Worker<DeliveryJobData>(name, processor, {
    connection,
    prefix,
    concurrency: 16,
    // A job whose worker dies (SIGKILL) is seen as stalled once its lock lapses and is run again.
    lockDuration: 30_000,
    stalledInterval: 15_000,
    maxStalledCount: 5,
    ...options,
    settings: {
      backoffStrategy: (attemptsMade: number) => cappedExponentialDelay(attemptsMade, settings.firstDelayMs, settings.ceilingMs),
    },
  });
}
