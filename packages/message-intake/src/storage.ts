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

/**
 * Whether an error is Redis being away or refusing (ioredis' connection and reply errors, socket
 * errors), as opposed to a programming error.
 */
export function isStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown };
  if (['ReplyError', 'MaxRetriesPerRequestError', 'AbortError', 'ClusterAllFailedError', 'RedisError'].includes(e.name))
    return true;
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true;
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Command timed out/.test(
    e.message
  );
}

/**
 * durably for a check that reads the store on the way (beforeAccept): Redis trouble is a 503, but a
 * crash the message itself provoked stays a 500, so the sender is not told to retry for ever.
 */
export async function storeChecked<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof OutcomeError || !isStoreError(err)) throw err;
    throw serviceUnavailable(`The message store is unavailable (${what}); nothing was queued. Try again.`);
  }
}
