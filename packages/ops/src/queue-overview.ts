import type { Queue } from 'bullmq';

export interface QueueOverview {
  name: string;
  counts: {
    waiting: number;
    active: number;
    delayed: number;
    prioritized: number;
    failed: number;
    completed: number;
    paused: number;
  };
  /** Age of the oldest job waiting to be taken (ms), or undefined when none waits. */
  oldestWaitingMs?: number;
  oldestWaitingMessageId?: string;
}

/**
 * Counts per state and the oldest waiting job of each queue, through BullMQ's own API. A message a
 * consent blocked completes its job (a correct outcome), so `failed` holds only what went wrong.
 */
export async function queueOverview(queues: Queue[], now = Date.now()): Promise<QueueOverview[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const c = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'failed',
        'completed',
        'paused'
      );
      // asc = true: the list's far end, the job that has waited longest.
      const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
      const counts = {
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        prioritized: c.prioritized ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
        paused: c.paused ?? 0,
      };
      const messageId = (oldest?.data as { messageId?: unknown } | undefined)?.messageId;
      return {
        name: queue.name,
        counts,
        ...(oldest ? { oldestWaitingMs: Math.max(0, now - oldest.timestamp) } : {}),
        ...(typeof messageId === 'string' ? { oldestWaitingMessageId: messageId } : {}),
      };
    })
  );
}
