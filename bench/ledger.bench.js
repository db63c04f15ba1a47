// The message ledger on the intake path: accept() (seen check, body, idempotent BullMQ add, record
// with its indexes) against the bare queue.add with a job id it wraps (the anchor), run the same way
// with the same concurrency; then a move (one Lua call); and the directory's routing lookup.
'use strict';
const { randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue } = require('bullmq');
const { MessageLedger, jobIdFor } = require('../packages/message-ledger/dist');
const { Directory } = require('../packages/directory/dist');
const { rate } = require('./support');
const DEMO = require('../packages/directory/demo-directory.json');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = 16;
const BODY = JSON.stringify({
  resourceType: 'Bundle',
  type: 'message',
  entry: Array.from({ length: 6 }, (_, i) => ({
    resource: { resourceType: 'Basic', id: `r${i}`, text: 'x'.repeat(600) },
  })),
});

/** Runs one(i) with CONCURRENCY in flight until n calls are done; calls per second. */
async function throughput(n, one) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await one(next++);
    })
  );
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

module.exports = {
  name: 'ledger',
  async run({ quick }) {
    const n = quick ? 2000 : 10000;
    const prefix = `{ipbro-bench-ledger-${randomUUID().slice(0, 8)}}`;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const queue = new Queue('meldeplikt', { connection: redis, prefix });
    const ledger = new MessageLedger(redis, { prefix });
    try {
      await queue.waitUntilReady();
      const add = (key) =>
        queue.add(
          'meldeplikt',
          { key, messageId: key, event: 'meldeplikt', sender: '997005562' },
          { jobId: jobIdFor(key) }
        );
      // warm-up of both paths
      await throughput(200, (i) => add(`997005562:warm-${i}`));
      await throughput(200, (i) =>
        ledger.accept({
          sender: '997005562',
          id: `warm-a-${i}`,
          event: 'meldeplikt',
          body: BODY,
          enqueue: async () => void (await add(`997005562:warm-a-${i}`)),
        })
      );
      const bare = await throughput(n, (i) => add(`997005562:bare-${i}`));
      const accept = await throughput(n, (i) =>
        ledger.accept({
          sender: '997005562',
          id: `m-${i}`,
          event: 'meldeplikt',
          body: BODY,
          enqueue: async () => void (await add(`997005562:m-${i}`)),
        })
      );
      const repeat = await throughput(n, (i) =>
        ledger.accept({
          sender: '997005562',
          id: `m-${i}`,
          event: 'meldeplikt',
          body: BODY,
          enqueue: async () => {
            throw new Error('a repeat must not enqueue');
          },
        })
      );
      const transition = await throughput(n, (i) =>
        ledger.move({
          key: `997005562:m-${i}`,
          to: 'delivered',
          detail: 'HTTP 202',
          patch: { attempts: 1, recipient: { kommunenummer: '1508', orgnr: '942953119', herId: '8110021' } },
        })
      );
      const directory = Directory.fromObject(DEMO);
      const homes = ['1508', '1506', '0301', '5001', '4601', '9999'];
      const lookups = rate((k) => directory.recipientFor('meldeplikt', { homeKommune: k }), homes, quick ? 1 : 3);
      return [
        {
          metric: 'ledger accept (new message, with its BullMQ add)',
          value: Math.round(accept),
          unit: 'messages/s',
          anchor: 'bare queue.add with jobId',
          anchorValue: Math.round(bare),
        },
        {
          metric: 'ledger accept of a repeat (answered from the seen mark)',
          value: Math.round(repeat),
          unit: 'messages/s',
        },
        {
          metric: 'ledger transition (Lua, history + state sets)',
          value: Math.round(transition),
          unit: 'transitions/s',
        },
        { metric: 'directory recipientFor', value: Math.round(lookups), unit: 'lookups/s' },
      ];
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
  },
};

if (require.main === module)
  module.exports.run({ quick: process.argv.includes('--quick') }).then((rows) => console.log(rows));
