import type { Queue } from 'bullmq';

/** How long a held job waits when nobody releases it (its adder died before the ledger move, or after it). */
export const DEFAULT_HOLD_MS = 30_000;

/**
 * A job added before the ledger move that makes its message due (a re-drive, an operator's retry),
 * held back (delayed) until `release()` after the move. A process that dies between the two leaves a
 * job that runs when the hold ends and finds the message as the ledger has it: delivered if the move
 * happened or was not needed, a no-op if the message is final. The other order (move, then add)
 * could leave a message `queued` with no job at all, which nothing would ever deliver.
 * Adders that race use one job id (BullMQ keeps one job per id).
 */
export async function addHeldJob<T>(
  queue: Queue<T>,
  name: string,
  data: T,
  jobId: string,
  holdMs = DEFAULT_HOLD_MS
): Promise<{ release(): Promise<boolean> }> {
  const job = await (queue as unknown as Queue).add(name, data, { jobId, delay: holdMs });
  return {
    // False when there was nothing to release (another adder released it, or it already ran); the hold then ends by itself.
    release: () =>
      job.promote().then(
        () => true,
        () => false
      ),
  };
}
