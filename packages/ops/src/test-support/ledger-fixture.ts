import { MessageLedger, type MessageState, type Recipient } from '@ipbro/message-ledger';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ALESUND: Recipient = {
  kommunenummer: '1508',
  name: 'Ålesund kommune',
  herId: '8100123',
  endpoint: 'http://127.0.0.1:1/kommune/1508/ke',
};
export const MOLDE: Recipient = {
  kommunenummer: '1506',
  name: 'Molde kommune',
  herId: '8100456',
  endpoint: 'http://127.0.0.1:1/kommune/1506/ke',
};

/** A ledger under its own prefix on the shared Redis; `close` removes only its keys. */
export function ledgerFixture() {
  const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const ledger = new MessageLedger(redis, { prefix });
  return {
    prefix,
    redis,
    ledger,
    /** Accepts a message and walks it through the given states (each with its detail). */
    async message(id: string, steps: [MessageState, string][], recipient?: Recipient, event = 'meldeplikt') {
      await ledger.accept({ sender: '997005562', id, event, body: '{}', enqueue: async () => undefined });
      const key = `997005562:${id}`;
      let attempts = 0;
      for (const [state, detail] of steps) {
        // History times are ISO with ms: keep steps apart so their order is the order written.
        await new Promise((r) => setTimeout(r, 3));
        if (state !== 'acknowledged') attempts++;
        await ledger.move({ key, to: state, detail, patch: { attempts, ...(recipient ? { recipient } : {}) } });
      }
      return key;
    },
    async close() {
      await removeTestData(redis, prefix);
    },
  };
}
