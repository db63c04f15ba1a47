import type { Logger } from '@ipbro/service-kit';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { badRequest } from '@ipbro/outcome';
import { meldepliktSvarFor } from './meldeplikt-svar-message';
import type { PendingTimers } from './pending-timers';

/** Whether and how the simulated koordinerende enhet answers a meldeplikt it took: `afterMs` after its receipt. */
export interface AnswerSetting {
  afterMs: number;
  status?: 'completed' | 'rejected';
}

/** An answer setting from the control API: `{ afterMs, status? }`, or `{ off: true }` (no answers). 400 naming the element otherwise. */
export function parseAnswerSetting(input: unknown): AnswerSetting | undefined {
  const b = (input ?? {}) as Record<string, unknown>;
  if (b.off === true) return undefined;
  if (typeof b.afterMs !== 'number' || !Number.isInteger(b.afterMs) || b.afterMs < 0)
    throw badRequest('afterMs must be a whole number of milliseconds (or { "off": true })', 'afterMs');
  if (b.status !== undefined && b.status !== 'completed' && b.status !== 'rejected')
    throw badRequest('status must be completed or rejected', 'status');
  return { afterMs: b.afterMs, ...(b.status ? { status: b.status } : {}) };
}

/**
 * The koordinerende enhet's meldeplikt-svar: a while after it gave the receipt for a meldeplikt, it
 * posts its answer (a koordinator named, or a rejection) to the gateway as the kommune, and notes
 * the svar's id and the gateway's status with what it received.
 */
export function kommuneAnswerer(o: {
  logger: Logger;
  timers: PendingTimers;
  initial?: AnswerSetting;
  orgnrOf: (kommune: string) => string;
  post: (orgnr: string, body: object, what: { event: string; messageId: string }) => Promise<number | undefined>;
}) {
  let setting = o.initial;
  return {
    setting: () => setting,
    set: (s: AnswerSetting | undefined) => void (setting = s),
    reset: () => void (setting = o.initial),
    /** After the receipt for `message` (a meldeplikt; anything else is not answered). */
    schedule(message: Bundle, kommune: string, noted: (svar: { id: string; status?: number }) => void): void {
      const header = message?.entry?.[0]?.resource as MessageHeader | undefined;
      const now = setting;
      if (!now || header?.eventCoding?.code !== 'meldeplikt') return;
      o.timers.later(now.afterMs, () => {
        const orgnr = o.orgnrOf(kommune);
        let svar: Bundle;
        try {
          svar = meldepliktSvarFor(message, { kommune, orgnr, ...(now.status ? { status: now.status } : {}) });
        } catch (err) {
          o.logger.warn(
            { messageId: header.id, err: (err as Error).message },
            'no answer: the meldeplikt could not be read'
          );
          return;
        }
        const id = (svar.entry?.[0].resource as MessageHeader).id as string;
        void o
          .post(orgnr, svar, { event: 'meldeplikt-svar', messageId: id })
          .then((status) => noted({ id, ...(status !== undefined ? { status } : {}) }));
      });
    },
  };
}
