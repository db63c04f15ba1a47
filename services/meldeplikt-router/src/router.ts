import { deliverFromLedger } from '@ipbro/delivery';
import type { Directory } from '@ipbro/directory';
import { readMessage } from '@ipbro/fhir-message';
import { jobIdFor, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, createWorker, QUEUES, type DeliveryJobData, type DeliverySettings } from '@ipbro/queues';
import type { Logger } from '@ipbro/service-kit';
import { UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export interface RouterOptions {
  producer: Redis;
  workerConnection: Redis;
  directory: Directory;
  logger: Logger;
  delivery: DeliverySettings & { timeoutMs: number };
  prefix?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  concurrency?: number;
  /** How often unroutable messages are looked at again, besides directory reloads. */
  sweepMs?: number;
}

export interface MeldepliktRouter {
  worker: Worker<DeliveryJobData>;
  queue: Queue<DeliveryJobData>;
  ledger: MessageLedger;
  /** Re-queues every unroutable message whose kommune the directory now knows; returns how many. */
  redriveUnroutable(): Promise<number>;
  close(): Promise<void>;
}

/** The meldeplikt worker: one delivery attempt per job; BullMQ retries transient failures with backoff. */
export function startMeldepliktRouter(options: RouterOptions): MeldepliktRouter {
  const ledger = new MessageLedger(options.producer, { prefix: options.prefix });
  const queue = createQueue(QUEUES.meldeplikt, options.producer, options.delivery, options.prefix);
  const log = options.logger;

  const process = async (job: Job<DeliveryJobData>): Promise<void> => {
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const step = await deliverFromLedger(job.data, attempt, last, { ledger, directory: options.directory, timeoutMs: options.delivery.timeoutMs });
    const meta = { messageId: job.data.messageId, sender: job.data.sender, attempt, state: step.record.state, recipient: step.record.recipient?.kommunenummer };
    if (step.kind === 'retry') {
      log.warn({ ...meta, reason: step.reason }, 'delivery failed, will retry');
      throw new Error(step.reason);
    }
    if (step.kind === 'fatal') {
      log.warn({ ...meta, reason: step.reason }, 'delivery ended without success');
      throw new UnrecoverableError(step.reason);
    }
    log.info(meta, 'delivery step done');
  };

  const worker = createWorker(QUEUES.meldeplikt, process, options.workerConnection, options.delivery, {
    concurrency: options.concurrency ?? 16,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
  }, options.prefix);
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));

  let sweeping: Promise<number> | undefined;
  const redriveUnroutable = (): Promise<number> => {
    sweeping ??= (async () => {
      let count = 0;
      for (const key of await ledger.listByState('unroutable')) {
        const body = await ledger.body(key);
        const record = await ledger.get(key);
        if (!body || !record || record.event !== 'meldeplikt') continue;
        const view = readMessage(JSON.parse(body));
        if (!options.directory.recipientFor(record.event, { homeKommune: view.homeKommune, destination: view.destination })) continue;
        const moved = await ledger.transitionIf(key, 'unroutable', 'queued', 're-driven: the directory now knows the recipient');
        if (!moved) continue;
        const jobId = `${jobIdFor(key)}_r${Date.now()}`;
        await queue.add('deliver', { key, messageId: record.id, sender: record.sender, event: record.event }, { jobId });
        count++;
      }
      if (count) log.info({ count }, 're-drove unroutable messages');
      return count;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const onReload = () => void redriveUnroutable().catch((err) => log.error({ err: (err as Error).message }, 're-drive failed'));
  options.directory.on('reloaded', onReload);
  const sweep = setInterval(onReload, options.sweepMs ?? 60_000);
  sweep.unref();

  return {
    worker,
    queue,
    ledger,
    redriveUnroutable,
    close: async () => {
      clearInterval(sweep);
      options.directory.off('reloaded', onReload);
      // Lets in-flight deliveries finish (their jobs complete or go back to the queue), then stops.
      await worker.close();
      await queue.close();
    },
  };
}
