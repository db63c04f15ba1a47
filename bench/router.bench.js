// Router deliveries/s (ledger read, routing by the directory, POST, classification, ledger write) against
// a bare BullMQ worker that POSTs the same bytes to the same receiver. Both drain a pre-filled queue.
'use strict';
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue, Worker } = require('bullmq');
const { Directory } = require('../packages/directory/dist');
const { startMeldepliktRouter } = require('../services/meldeplikt-router/dist');
const { createLogger } = require('../packages/service-kit/dist');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function drain(queue, n) {
  const started = process.hrtime.bigint();
  for (;;) {
    const left = await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized');
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

module.exports = {
  name: 'router',
  async run({ quick }) {
    const n = quick ? 1500 : 8000;
    const receiver = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(202, { 'Content-Type': 'application/fhir+json' }); res.end('{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}'); }); });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const port = receiver.address().port;
    const template = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
    const run = randomUUID().slice(0, 8);
    const directoryData = JSON.parse(readFileSync(join(__dirname, '..', 'packages', 'directory', 'demo-directory.json'), 'utf8'));
    for (const k of directoryData.kommuner) k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${port}`);
    const directory = Directory.fromObject(directoryData);
    const endpoint = `http://127.0.0.1:${port}/kommune/1508/ke/$process-message`;

    // Anchor: a bare worker posting the body carried in the job.
    const bareRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const barePrefix = `{ipbro-bench-bare-${run}}`;
    const bareQueue = new Queue('bare', { connection: bareRedis, prefix: barePrefix });
    await bareQueue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'post', data: { body: template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', `${run}-b${i}`) } })));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const bare = new Worker('bare', (job) => new Promise((resolve, reject) => {
      const req = http.request(endpoint, { method: 'POST', agent, headers: { 'Content-Type': 'application/fhir+json' } }, (res) => { res.resume(); res.on('end', resolve); });
      req.on('error', reject);
      req.end(job.data.body);
    }), { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: barePrefix, concurrency: 16 });
    const anchorRate = await drain(bareQueue, n);
    await bare.close();
    await bareQueue.obliterate({ force: true });
    await bareQueue.close();

    // Measured: the router, messages accepted into the ledger and queue as the gateway does.
    const prefix = `{ipbro-bench-router-${run}}`;
    const producer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const router = startMeldepliktRouter({ producer, workerConnection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), directory, logger: createLogger('bench', { level: 'warn' }), prefix, delivery: { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0, timeoutMs: 10000 }, concurrency: 16 });
    await router.worker.pause();
    for (let i = 0; i < n; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, j) => {
        const id = `${run}-r${i + j}`;
        const key = `997005562:${id}`;
        return router.ledger.accept({ sender: '997005562', id, event: 'meldeplikt', body: template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', id), enqueue: (jobId) => router.queue.add('meldeplikt', { key, messageId: id, sender: '997005562', event: 'meldeplikt' }, { jobId }).then(() => undefined) });
      }));
    }
    router.worker.resume();
    const rate = await drain(router.queue, n);
    const counts = await router.ledger.countByState();
    if (counts.delivered < n) throw new Error(`only ${counts.delivered} of ${n} delivered: ${JSON.stringify(counts)}`);
    await router.close();
    await new Promise((r) => receiver.close(r));
    const keys = await producer.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await producer.del(...keys.slice(i, i + 1000));
    producer.disconnect();
    bareRedis.disconnect();
    agent.destroy();
    directory.close();
    return [{ metric: `router deliveries (${n} meldeplikt, receiver answers 202)`, value: rate, unit: 'deliveries/s', anchor: 'bare BullMQ worker POSTing the same bytes', anchorValue: anchorRate, target: 'ratio ≥ 0.7' }];
  },
};
