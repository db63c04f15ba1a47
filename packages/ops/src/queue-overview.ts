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
    /** Jobs BullMQ holds as failed whose message ended `blocked` by consent: a correct outcome, so not in `failed`. */
    blocked?: number;
  };
  /** Age of the oldest job waiting to be taken (ms), or undefined when none waits. */
  oldestWaitingMs?: number;
  oldestWaitingMessageId?: string;
}

/**
 * Counts per state and the oldest waiting job of each queue, through BullMQ's own API. With `blocked`
 * (is this ledger key's message blocked?), the failed jobs of messages a consent blocked are counted
 * apart from `failed`: the courier ends such a job as it ends a rejected one, but nothing went wrong.
 */
export async function queueOverview(
  queues: Queue[],
  now = Date.now(),
  blocked?: (key: string) => boolean
): Promise<QueueOverview[]> {
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
      if (blocked) Object.assign(counts, await apartBlocked(queue, counts.failed, blocked));
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

/** `failed` less the failed jobs whose message a consent blocked, and those as `blocked`. */
async function apartBlocked(
  queue: Queue,
  failed: number,
  blocked: (key: string) => boolean
): Promise<{ failed: number; blocked: number }> {
  if (failed === 0) return { failed, blocked: 0 };
  const jobs = await queue.getJobs(['failed']);
  const consent = jobs.filter((j) => blocked(String((j?.data as { key?: unknown } | undefined)?.key))).length;
  return { failed: failed - consent, blocked: consent };
}
