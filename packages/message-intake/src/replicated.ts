import { serviceUnavailable } from '@ipbro/outcome';
import { ReplicaAckError } from '@ipbro/redis';
import type { IntakeDeps } from './intake-deps';

/**
 * After a step's writes and before the answer says they are kept: waits until they reached the
 * replicas REDIS_MIN_REPLICAS_ACK asks for. Not in time (or no primary answers): 503, and the sender
 * sends the same message id again; the seen mark makes that a repeat (200 with its status), or, if
 * a failover lost the writes, an acceptance like the first.
 */
export async function replicated(deps: Pick<IntakeDeps, 'confirmReplicated'>, what: string): Promise<void> {
  if (!deps.confirmReplicated) return;
  try {
    await deps.confirmReplicated();
  } catch (err) {
    const why = err instanceof ReplicaAckError ? err.message : 'no Redis primary answered';
    throw serviceUnavailable(
      `The message store could not confirm that ${what} is kept on its replicas (${why}). Send it again with the same id.`
    );
  }
}
