// The anchors of the queue path: bare BullMQ add and bare BullMQ process, with the meldeplikt body as
// the job's payload, each beside the plain Redis commands that are the least any queue must do (SET
// of the same bytes; a reliable list queue: LMOVE to a processing list, LREM when done). The ledger
// and router benches compare IP-bro's intake and delivery to these; here they are measured on the
// same Redis in the same run. Same in-flight count everywhere (16, the router's concurrency).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue, Worker } = require('bullmq');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = 16;
const BODY = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');

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

/** Polls until count() is 0; items per second since `started`. */
async function until(count, n, started) {
  while ((await count()) > 0) await new Promise((r) => setTimeout(r, 5));
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

module.exports = {
  name: 'queue',
  async run({ quick }) {
    const n = quick ? 4000 : 20000;
    const prefix = `{ipbro-bench-queue-${randomUUID().slice(0, 8)}}`;
    const connections = [];
    const connect = () => {
      const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      connections.push(c);
      return c;
    };
    const redis = connect();
    const queue = new Queue('bare', { connection: connect(), prefix });
    try {
      await queue.waitUntilReady();
      const data = (i) => ({ id: `m-${i}`, body: BODY });

      // add: one job per call, as the gateway adds one per request
      await throughput(500, (i) => queue.add('post', data(i), { jobId: `warm-${i}` }));
      await throughput(500, (i) => redis.set(`${prefix}:set:warm-${i}`, BODY));
      const setRate = await throughput(n, (i) => redis.set(`${prefix}:set:${i}`, BODY));
      const addRate = await throughput(n, (i) => queue.add('post', data(i), { jobId: `a-${i}` }));
      const bulkStarted = process.hrtime.bigint();
      for (let i = 0; i < n; i += 500)
        await queue.addBulk(
          Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
            name: 'post',
            data: data(i + j),
            opts: { jobId: `b-${i + j}` },
          }))
        );
      const bulkRate = n / (Number(process.hrtime.bigint() - bulkStarted) / 1e9);

      // process: a worker with a no-op processor drains what is waiting (the 2n jobs added above)
      const waiting = await queue.getJobCountByTypes('waiting');
      let processed = 0;
      const worker = new Worker('bare', async (job) => void (processed += job.data.body.length > 0 ? 1 : 0), {
        connection: connect(),
        prefix,
        concurrency: CONCURRENCY,
        autorun: false,
        removeOnComplete: { count: 0 },
      });
      const processStarted = process.hrtime.bigint();
      void worker.run();
      const processRate = await until(() => queue.getJobCountByTypes('waiting', 'active'), waiting, processStarted);
      await worker.close();
      if (processed < waiting) throw new Error(`the worker processed ${processed} of ${waiting}`);

      // the plain-Redis floor of a reliable queue: LMOVE to processing, then LREM when done
      const list = `${prefix}:list`;
      const processing = `${prefix}:processing`;
      for (let i = 0; i < n; i += 1000)
        await redis.rpush(list, ...Array.from({ length: Math.min(1000, n - i) }, () => BODY));
      const consumers = Array.from({ length: CONCURRENCY }, () => connect());
      const listStarted = process.hrtime.bigint();
      let moved = 0;
      await Promise.all(
        consumers.map(async (c) => {
          for (;;) {
            const item = await c.lmove(list, processing, 'LEFT', 'RIGHT');
            if (item === null) return;
            await c.lrem(processing, 1, item);
            moved++;
          }
        })
      );
      const listRate = moved / (Number(process.hrtime.bigint() - listStarted) / 1e9);

      return [
        {
          metric: `bare BullMQ add (Queue.add, ${CONCURRENCY} in flight, ${BODY.length} B meldeplikt in the job)`,
          value: addRate,
          unit: 'jobs/s',
          anchor: 'Redis SET of the same bytes, same in-flight',
          anchorValue: setRate,
        },
        {
          metric: 'bare BullMQ addBulk (500 a call)',
          value: bulkRate,
          unit: 'jobs/s',
          anchor: 'bare BullMQ add',
          anchorValue: addRate,
        },
        {
          metric: `bare BullMQ process (Worker, no-op processor, concurrency ${CONCURRENCY}, ${waiting} waiting)`,
          value: processRate,
          unit: 'jobs/s',
          anchor: 'plain Redis reliable queue (LMOVE + LREM), same concurrency',
          anchorValue: listRate,
        },
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
      for (const c of connections) c.disconnect();
    }
  },
};
