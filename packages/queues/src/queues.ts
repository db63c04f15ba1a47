import { Queue, Worker, type JobsOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { RedisConnection } from '@ipbro/redis';
import { assertBackoff, BACKOFF_STRATEGY, cappedExponentialDelay, deliveryAttemptsFor } from './backoffs';
import type { DeliveryJobData } from './job-data';
import { QUEUE_PREFIX, type QueueName } from './queue-names';

/** DELIVERY_BACKOFF_MS, DELIVERY_BACKOFF_MAX_MS and DELIVERY_ATTEMPTS as a service read them. */
export interface DeliverySettings {
  firstDelayMs: number;
  ceilingMs: number;
  /** 0: enough attempts to keep trying for 24 h with that backoff. */
  attempts: number;
}

export function resolveAttempts(s: DeliverySettings): number {
  assertBackoff(s.firstDelayMs, s.ceilingMs);
  return s.attempts > 0 ? s.attempts : deliveryAttemptsFor(s.firstDelayMs, s.ceilingMs);
}

/** Finished jobs are kept this long (seconds) for inspection, then removed so Redis stays bounded. */
export const KEEP_COMPLETED_SECONDS = 24 * 3600;
export const KEEP_FAILED_SECONDS = 7 * 24 * 3600;

/**
 * Default job options: capped exponential retries (the strategy itself lives in the worker's
 * settings, see createWorker), and finished jobs aged out. The ledger, not the job, is the record
 * of a message, so removing a finished job loses nothing.
 */
export function deliveryJobOptions(s: DeliverySettings): JobsOptions {
  return {
    attempts: resolveAttempts(s),
    backoff: { type: BACKOFF_STRATEGY },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS, count: 10000 },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}

export function createQueue(
  name: QueueName,
  connection: RedisConnection,
  settings: DeliverySettings,
  prefix = QUEUE_PREFIX
): Queue<DeliveryJobData> {
  return new Queue<DeliveryJobData>(name, { connection, prefix, defaultJobOptions: deliveryJobOptions(settings) });
}

/** Stalled-job defaults: a worker that dies (SIGKILL) stops renewing its lock; after it lapses the job runs again. */
export const WORKER_DEFAULTS = {
  concurrency: 16,
  lockDuration: 30_000,
  stalledInterval: 15_000,
  maxStalledCount: 5,
} as const;

/**
 * A worker on a queue with the capped exponential backoff. The connection should come from
 * @ipbro/redis' createRedisConnection(config, 'worker') (maxRetriesPerRequest: null). A job that
 * stalls more than `maxStalledCount` times is failed by BullMQ without calling the processor: a service that owns
 * the ledger should listen for 'failed' and write the final state.
 */
export function createWorker(
  name: QueueName,
  processor: Processor<DeliveryJobData>,
  connection: RedisConnection,
  settings: DeliverySettings,
  options: Partial<WorkerOptions> = {},
  prefix = QUEUE_PREFIX
): Worker<DeliveryJobData> {
  assertBackoff(settings.firstDelayMs, settings.ceilingMs);
  return new Worker<DeliveryJobData>(name, processor, {
    connection,
    prefix,
    ...WORKER_DEFAULTS,
    ...options,
    settings: {
      ...options.settings,
      backoffStrategy: (attemptsMade: number) =>
        cappedExponentialDelay(attemptsMade, settings.firstDelayMs, settings.ceilingMs),
    },
  });
}
