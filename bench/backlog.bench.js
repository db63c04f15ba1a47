// Backlog drain and Redis memory per waiting message, on a Redis of this bench's own (started here
// on a free port, append-only file on as deployed, noeviction), so the memory figures see nothing
// else and the shared Redis is not filled with 100,000 messages.
// 1. The koordinerende enhet is down (nothing listens at its endpoint) and N meldeplikt are accepted
//    as the gateway accepts them: ledger.accept with the delivery job added by the gateway's own
//    createQueue (validation and HTTP are left out: the gateway bench measures those). They wait.
// 2. Memory per waiting message: INFO memory (used_memory growth / N), with MEMORY USAGE of one
//    message's keys beside it; anchor: a bare BullMQ job carrying the same body.
// 3. The receiver comes back and the real meldeplikt-router (dist/main.js, its own process, as
//    deployed, default concurrency) drains the backlog: messages/s from the moment it is ready until
//    the ledger has every one delivered. Anchor: a bare BullMQ worker POSTing the same bytes to the
//    same receiver, same Redis, same concurrency (64 jobs in progress; the router posts at most 16 of
//    them at a time to the one recipient, the bare worker all 64), in a process of its own too.
// Messages that were *retrying* through an outage drain at the pace of their retry timers instead
// (docs/scaling.md); this is the rate once they are due.
'use strict';
const http = require('node:http');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { randomBytes, randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue } = require('bullmq');
const { MessageLedger, BodyCipher, jobIdFor } = require('../packages/message-ledger/dist');
const { createQueue, deliveryJobData, QUEUES } = require('../packages/queues/dist');
const { readMessage } = require('../packages/fhir-message/dist');
const { storedMeldeplikt } = require('./support');

const ROOT = join(__dirname, '..');
const CONCURRENCY = 64; // the router's default (ROUTER_CONCURRENCY; at most 16 posts in flight to the one recipient)
const SENDER = '997005562';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const seconds = (since) => Number(process.hrtime.bigint() - since) / 1e9;

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' }
  );
  let exited;
  child.on('exit', (code) => {
    exited = code ?? 'signal';
  });
  child.on('error', (err) => {
    exited = err.message;
  });
  // eslint-disable-next-line no-unmodified-loop-condition -- the child's exit/error handlers set exited
  for (let i = 0; i < 100 && exited === undefined; i++) {
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      return { port, child, redis, url: `redis://127.0.0.1:${port}` };
    } catch {
      redis.disconnect();
      await sleep(50);
    }
  }
  child.kill();
  throw new Error(
    `redis-server (the bench's own, port ${port}) did not start${exited !== undefined ? ` (${exited})` : ''}: is redis-server installed?`
  );
}

const progress = (text) => process.stderr.write(`backlog: ${text}\n`);

const usedMemory = async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);

/** The anchor's worker process: argv = redis url, prefix, endpoint, concurrency. */
const BARE_WORKER = `
  const http = require('node:http');
  const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
  const { Worker } = require(${JSON.stringify(require.resolve('bullmq'))});
  const [url, prefix, endpoint, concurrency] = process.argv.slice(1);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const worker = new Worker('bare', (job) => new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/fhir+json', 'X-Request-Id': job.data.id };
    const req = http.request(endpoint, { method: 'POST', agent, headers }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(job.data.body);
  }), { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix, concurrency: Number(concurrency) });
  worker.waitUntilReady().then(() => process.stdout.write('ready\\n'));
`;

async function startRouter(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'services', 'meldeplikt-router', 'dist', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited;
  child.on('exit', (code) => {
    exited = code;
  });
  for (let i = 0; i < 300; i++) {
    if (exited !== undefined) throw new Error(`meldeplikt-router exited (${exited}) before it was ready`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { child, exited: () => exited };
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  child.kill();
  throw new Error('meldeplikt-router did not become ready');
}

/** Runs one(i) with `inFlight` calls in flight until n are done. */
async function inParallel(n, inFlight, one) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await one(next++);
    })
  );
}

module.exports = {
  name: 'backlog',
  pin: false,
  async run({ quick }) {
    const n = quick ? 10000 : 100000;
    const anchorN = quick ? 2000 : 20000;
    const label = n.toLocaleString('en');
    const work = mkdtempSync(join(tmpdir(), 'ipbro-bench-backlog-'));
    const own = await startRedis(work);
    const { redis } = own;
    const prefix = `{ipbro-bench-backlog-${randomUUID().slice(0, 8)}}`;
    const cleanup = [];
    try {
      const receiverPort = await freePort(); // nothing listens here until the receiver "comes back"
      const template = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
      const stored = storedMeldeplikt(template);
      const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
      for (const k of directory.kommuner)
        k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${receiverPort}`);
      writeFileSync(join(work, 'directory.json'), JSON.stringify(directory));
      const endpoint = `http://127.0.0.1:${receiverPort}/kommune/1508/ke/$process-message`;

      // Bodies at rest as the deployed router reads them: encrypted (the router requires IPBRO_ENCRYPTION_KEY).
      const key = randomBytes(32).toString('base64');
      const ledger = new MessageLedger(redis, {
        prefix,
        cipher: BodyCipher.fromBase64(key),
      });
      const delivery = { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0 };
      const queue = createQueue(QUEUES.meldeplikt, redis, delivery, prefix);
      cleanup.push(() => queue.close());
      await queue.waitUntilReady();
      const view = readMessage(JSON.parse(template));
      const hints = view.homeKommune ? { homeKommune: view.homeKommune } : {};

      // 1. the backlog, accepted while the receiver is down
      progress(`accepting ${label} meldeplikt while the receiver is down (own Redis on port ${own.port})`);
      const before = await usedMemory(redis);
      const fillStarted = process.hrtime.bigint();
      await inParallel(n, 200, (i) => {
        const id = `${prefix.slice(1, -1)}-${i}`;
        const k = `${SENDER}:${id}`;
        return ledger.accept({
          sender: SENDER,
          id,
          event: 'meldeplikt',
          body: stored(id),
          enqueue: (jobId) =>
            queue
              .add(
                'meldeplikt',
                deliveryJobData({ key: k, messageId: id, sender: SENDER, event: 'meldeplikt', ...hints }),
                { jobId }
              )
              .then(() => undefined),
        });
      });
      const fillRate = n / seconds(fillStarted);
      const waiting = await queue.getJobCountByTypes('waiting');
      const queued = (await ledger.countByState()).queued;
      if (waiting !== n || queued !== n)
        throw new Error(`the backlog holds ${waiting} jobs and ${queued} queued records, not ${n}`);

      // 2. memory per waiting message
      const perMessage = ((await usedMemory(redis)) - before) / n;
      const sampleId = `${prefix.slice(1, -1)}-0`;
      const sampleKey = `${SENDER}:${sampleId}`;
      const usage = async (k) => Number((await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
      const parts = {
        body: await usage(`${prefix}:body:${sampleKey}`),
        record: await usage(`${prefix}:msg:${sampleKey}`),
        job: await usage(`${prefix}:${QUEUES.meldeplikt}:${jobIdFor(sampleKey)}`),
        indexes:
          (await usage(`${prefix}:id:${sampleId}`)) +
          (await usage(`${prefix}:state:queued`)) / n +
          (await usage(`${prefix}:${QUEUES.meldeplikt}:wait`)) / n,
      };
      const sampled = parts.body + parts.record + parts.job + parts.indexes;

      // anchor of memory and of the drain: bare BullMQ jobs carrying the same body
      const barePrefix = `${prefix.slice(0, -1)}-bare}`;
      const bareQueue = new Queue('bare', { connection: redis, prefix: barePrefix });
      cleanup.push(() => bareQueue.close());
      const bareBefore = await usedMemory(redis);
      for (let i = 0; i < anchorN; i += 500) {
        await bareQueue.addBulk(
          Array.from({ length: Math.min(500, anchorN - i) }, (_, j) => ({
            name: 'post',
            data: { id: `bare-${i + j}`, body: stored(`bare-${i + j}`) },
          }))
        );
      }
      const barePerJob = ((await usedMemory(redis)) - bareBefore) / anchorN;

      // 3. the receiver comes back
      progress(`the receiver is back: the bare worker drains ${anchorN}, then the router ${label}`);
      let received = 0;
      const receiver = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          received++;
          res.writeHead(202, { 'Content-Type': 'application/fhir+json' });
          res.end('{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}');
        });
      });
      await new Promise((r) => receiver.listen(receiverPort, '127.0.0.1', r));
      cleanup.push(() => new Promise((r) => receiver.close(r)));

      // anchor: a bare worker POSTing the bytes its job carries, same concurrency, in a process of
      // its own like the router, measured the same way (from its start, less what it did before)
      const bare = spawn(process.execPath, ['-e', BARE_WORKER, own.url, barePrefix, endpoint, String(CONCURRENCY)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanup.push(() => bare.kill());
      await new Promise((resolve, reject) => {
        bare.stdout.on('data', (d) => {
          if (String(d).includes('ready')) resolve();
        });
        bare.on('exit', (code) => reject(new Error(`the bare worker exited (${code})`)));
      });
      const bareStarted = process.hrtime.bigint();
      const bareDoneAtStart = await bareQueue.getJobCountByTypes('completed');
      while ((await bareQueue.getJobCountByTypes('waiting', 'active')) > 0) await sleep(20);
      const bareRate = (anchorN - bareDoneAtStart) / seconds(bareStarted);
      bare.kill();
      const receivedByBare = received;

      // the real router, as deployed
      const router = await startRouter({
        REDIS_URL: own.url,
        QUEUE_PREFIX: prefix,
        DIRECTORY_FILE: join(work, 'directory.json'),
        ROUTER_CONCURRENCY: String(CONCURRENCY),
        IPBRO_ENCRYPTION_KEY: key,
      });
      cleanup.push(() => router.child.kill('SIGTERM'));
      const drainStarted = process.hrtime.bigint();
      const deliveredAtStart = (await ledger.countByState()).delivered;
      const deadline = Date.now() + Math.max(120, n / 20) * 1000;
      let counts = await ledger.countByState();
      while (counts.delivered < n) {
        if (router.exited() !== undefined)
          throw new Error(`meldeplikt-router exited (${router.exited()}) while draining: ${JSON.stringify(counts)}`);
        if (Date.now() > deadline) throw new Error(`the backlog did not drain in time: ${JSON.stringify(counts)}`);
        await sleep(50);
        counts = await ledger.countByState();
      }
      const drainSeconds = seconds(drainStarted);
      const drainRate = (n - deliveredAtStart) / drainSeconds;
      if (received - receivedByBare < n) throw new Error(`the receiver got ${received - receivedByBare} of ${n}`);

      return [
        {
          metric:
            `backlog drain: ${label} waiting meldeplikt after the receiver comes back ` +
            `(meldeplikt-router process, concurrency ${CONCURRENCY}; ${drainSeconds.toFixed(1)} s` +
            `${quick ? '; quick: 10,000, the full run 100,000' : ''})`,
          value: drainRate,
          unit: 'messages/s',
          anchor: `bare BullMQ worker process POSTing the same bytes (${anchorN} jobs, same Redis, receiver and concurrency)`,
          anchorValue: bareRate,
        },
        {
          metric:
            `Redis memory per waiting meldeplikt (INFO used_memory growth / ${label}; ` +
            `${stored(sampleId).length} B message as stored, body encrypted)`,
          value: perMessage,
          unit: 'bytes',
          anchor: 'bare BullMQ job carrying the same body',
          anchorValue: barePerJob,
        },
        {
          metric:
            `  of which, by MEMORY USAGE of one message: body ${parts.body}, record ${parts.record}, ` +
            `job ${parts.job}, indexes ${Math.round(parts.indexes)}`,
          value: sampled,
          unit: 'bytes',
        },
        {
          metric: `accepting the backlog (ledger.accept + the gateway's queue add, 200 in flight, AOF everysec)`,
          value: fillRate,
          unit: 'messages/s',
        },
      ];
    } finally {
      for (const step of cleanup.reverse())
        await Promise.resolve()
          .then(step)
          .catch(() => undefined);
      await redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      redis.disconnect();
      own.child.kill();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
