import type { AuditPort } from '@ipbro/audit';
import type { DeliveryMode, Directory } from '@ipbro/directory';
import { requeueJobIdFor, type MessageLedger } from '@ipbro/message-ledger';
import { addHeldJob, deliveryJobData, type DeliveryJobData } from '@ipbro/queues';
import type { Logger } from '@ipbro/service-kit';
import type { Queue } from 'bullmq';
import { redriveEntry } from './delivery-audit';
import { routeMessage } from './message-routing';

export interface UnroutableRedriveOptions {
  ledger: MessageLedger;
  queue: Queue<DeliveryJobData>;
  directory: Directory;
  /** The events this worker delivers; other unroutable messages are left to their own worker. */
  events: readonly string[];
  /** The delivery modes this worker speaks (routeMessage's). */
  modes?: readonly DeliveryMode[];
  log: Logger;
  /** How often to look again besides directory reloads (default 60 s). */
  sweepMs?: number;
  /** How long a re-drive's job waits if its release is lost (addHeldJob; default 30 s). */
  holdMs?: number;
  /** Where each re-drive is recorded. */
  audit?: AuditPort;
}

/**
 * Re-drives this worker's `unroutable` messages the directory can now route: back to `queued` (only
 * one worker wins each move, several may sweep at once) with a fresh job; on every directory reload
 * and every `sweepMs`, until `stop()`. Each re-drive is recorded in the audit trail (`message.redriven`),
 * with the move. One sweep at a time in a process; `sweeping()` is the one
 * under way, for a close to wait on.
 */
export function unroutableRedriver(o: UnroutableRedriveOptions): {
  redrive(): Promise<number>;
  sweeping(): Promise<unknown> | undefined;
  stop(): void;
} {
  let sweeping: Promise<number> | undefined;
  const redrive = (): Promise<number> => {
    sweeping ??= (async () => {
      let count = 0;
      for (const key of await o.ledger.listByState('unroutable')) {
        const { record, body } = await o.ledger.getWithBody(key);
        if (!body || !record || !o.events.includes(record.event)) continue;
        if (routeMessage(record.event, JSON.parse(body), o.directory, o.modes, record.recipient).kind !== 'recipient')
          continue;
        // The job first, held until the move: whoever races to re-drive it adds the same one.
        const job = await addHeldJob(
          o.queue,
          record.event,
          deliveryJobData({ key, messageId: record.id, sender: record.sender, event: record.event }),
          requeueJobIdFor(record),
          o.holdMs
        );
        const detail = 're-driven: the directory now knows the recipient';
        const moved = await o.ledger.move({
          key,
          from: 'unroutable',
          to: 'queued',
          detail,
          audit: o.audit?.prepare(redriveEntry(record)),
        });
        if (!moved.changed) continue;
        await job.release();
        count++;
      }
      if (count) o.log.info({ count, events: o.events }, 're-drove unroutable messages');
      return count;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const onReload = () => void redrive().catch((err) => o.log.error({ err: (err as Error).message }, 're-drive failed'));
  o.directory.on('reloaded', onReload);
  const sweep = setInterval(onReload, o.sweepMs ?? 60_000);
  sweep.unref();
  const stop = () => {
    clearInterval(sweep);
    o.directory.off('reloaded', onReload);
  };
  return { redrive, sweeping: () => sweeping, stop };
}
