import { OutcomeError, serviceUnavailable } from '@ipbro/outcome';

/**
 * Runs a ledger or queue call. Whatever it throws that is not already an answer (an OutcomeError)
 * means Redis is not there or refused the write: the caller gets 503, never a 202 without a durable
 * job. Only storage calls are wrapped, so a programming error elsewhere stays a 500.
 */
export async function durably<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof OutcomeError) throw err;
    throw serviceUnavailable(`The message store is unavailable (${what}); nothing was queued. Try again.`);
  }
}
