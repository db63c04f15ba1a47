// Document courier, fhir-rest mode: plan-copy deliveries/s (ledger read, routing, the consent gate
// with the registry, planning the ordered conditional transactions, posting them, reading the
// transaction-responses, the ledger write) against a bare BullMQ worker that posts the same two
// transactions to the same peer. The peer is a real FHIR server in this process (Medplum's
// FhirRouter over its MemoryRepository, validation on, entry limit 8), so both sides pay its cost.
// Alternating warmed rounds, the best of each side, as bench/router.bench.js does.
// Then Redis bytes per waiting message: N epikriser of 1 MB accepted into the ledger (bodies
// encrypted, as in production) and the documents queue with no courier running, measured with
// MEMORY USAGE over this run's keys only (the Redis is shared).
'use strict';
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomUUID, randomBytes } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue, Worker } = require('bullmq');
const { bestOf, drain } = require('./support');
const { Directory } = require('../packages/directory/dist');
const { startDocumentCourier } = require('../services/document-courier/dist');
const { createFhirPeer } = require('../packages/simulated-peers/dist');
const { createLogger } = require('../packages/service-kit/dist');
const { deliveryJobData, createQueue, QUEUES } = require('../packages/queues/dist');
const { patientKeyer } = require('../packages/plan-index/dist');
const { planTransactions, transactionBundle } = require('../packages/fhir-rest-delivery/dist');
const { readPlanSource, renderPdf, withPlanDocument } = require('../packages/plan-document/dist');
const { MessageLedger, bodyCipherFromConfig } = require('../packages/message-ledger/dist');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = Number(process.env.BENCH_COURIER_CONCURRENCY ?? 8);
const ROOT = join(__dirname, '..');
const PLAN_ID = '0d5e3b0c-7d6b-4f0e-8b5a-3c2d1e0f9a02';

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
            : reject(new Error(`HTTP ${res.statusCode}`))
        );
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function keysBytes(redis, pattern) {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) {
      bytes += Number((await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
      keys++;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

async function removeKeys(redis, pattern) {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (batch.length) await redis.del(...batch);
  } while (cursor !== '0');
}

module.exports = {
  name: 'courier',
  async run({ quick }) {
    const n = quick ? 300 : 1500;
    const warm = 100;
    const waitingCount = quick ? 200 : 1000;
    const run = randomUUID().slice(0, 8);
    const connections = [];
    const connect = () => {
      const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      connections.push(c);
      return c;
    };
    const peer = createFhirPeer();
    const server = await new Promise((resolve) => {
      const s = peer.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${server.address().port}`;
    const template = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8');
    const directoryData = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
    directoryData.helseforetak[0].ehr = { fhirBase: base, delivery: 'fhir-rest', maxTransactionEntries: 8 };
    const directory = Directory.fromObject(directoryData);

    // Anchor: the same two transactions (the plan with its rendered PDF as a DocumentReference, the
    // second with the server's ids for what the first wrote, as the courier sends it), posted in order
    // by a bare BullMQ worker.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const plan = planTransactions(await withPlanDocument(JSON.parse(template), 'ip-plan-copy'), 8);
    const first = JSON.stringify(transactionBundle(plan.batches[0], new Map()));
    const firstAnswer = await post(agent, base, first);
    const written = new Map(
      plan.batches[0].map((e, i) => [e.fullUrl, firstAnswer.entry[i].response.location.replace(/\/_history\/.*$/, '')])
    );
    const second = JSON.stringify(transactionBundle(plan.batches[1], written));
    const barePrefix = `{ipbro-bench-cbare-${run}}`;
    const bareQueue = new Queue('bare', { connection: connect(), prefix: barePrefix });
    const bare = new Worker(
      'bare',
      async () => {
        await post(agent, base, first);
        await post(agent, base, second);
      },
      { connection: connect(), prefix: barePrefix, concurrency: CONCURRENCY, autorun: false }
    );
    const fillBare = (count, tag) =>
      bareQueue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'post', data: { id: `${run}-${tag}${i}` } })));

    // Measured: the courier as main.ts makes it; plan copies accepted as the gateway does.
    const prefix = `{ipbro-bench-courier-${run}}`;
    const key = randomBytes(32);
    const producer = connect();
    const courier = startDocumentCourier({
      producer,
      workerConnection: connect(),
      directory,
      logger: createLogger('bench', { level: 'warn' }),
      prefix,
      patientKey: patientKeyer(key),
      cipher: bodyCipherFromConfig(key, undefined),
      delivery: { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0, timeoutMs: 10000 },
      concurrency: CONCURRENCY,
    });
    await courier.worker.pause();
    const fillCourier = async (count, tag) => {
      for (let i = 0; i < count; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, count - i) }, (_, _j) => {
            const id = randomUUID();
            const k = `942953119:${id}`;
            return courier.ledger.accept({
              sender: '942953119',
              id,
              event: 'ip-plan-copy',
              body: template.replace(PLAN_ID, id),
              enqueue: (jobId) =>
                courier.queue
                  .add(
                    'ip-plan-copy',
                    deliveryJobData({
                      key: k,
                      messageId: id,
                      sender: '942953119',
                      event: 'ip-plan-copy',
                      destination: { orgnr: '997005562' },
                    }),
                    { jobId }
                  )
                  .then(() => undefined),
            });
          })
        );
      }
      void tag;
    };

    await fillBare(warm, 'wb');
    let bareStarted = false;
    await drain(bareQueue, warm, () => {
      bareStarted = true;
      void bare.run();
    });
    await bare.pause();
    await fillCourier(warm, 'wc');
    await drain(courier.queue, warm, () => courier.worker.resume());
    await courier.worker.pause();

    const rounds = 2;
    let anchor = { rate: 0, cpuUs: Infinity };
    let measured = { rate: 0, cpuUs: Infinity };
    for (let round = 0; round < rounds; round++) {
      await fillBare(n, `b${round}-`);
      anchor = bestOf(anchor, await drain(bareQueue, n, () => bare.resume()));
      await bare.pause();
      await fillCourier(n, `c${round}-`);
      measured = bestOf(measured, await drain(courier.queue, n, () => courier.worker.resume()));
      await courier.worker.pause();
    }
    // The courier keeps rendered PDFs by plan and copy (every message above is one copy of one plan):
    // what a new plan or copy costs on top, rendered from scratch.
    const renders = quick ? 5 : 20;
    const renderStarted = process.hrtime.bigint();
    for (let i = 0; i < renders; i++) {
      await renderPdf(readPlanSource({ ...JSON.parse(template), timestamp: `2027-01-01T10:00:${10 + i}+01:00` }));
    }
    const renderMs = Number(process.hrtime.bigint() - renderStarted) / 1e6 / renders;
    const counts = await courier.ledger.countByState();
    if (counts.acknowledged < rounds * n + warm)
      throw new Error(`only ${counts.acknowledged} of ${rounds * n + warm} acknowledged: ${JSON.stringify(counts)}`);
    const plans = await (await fetch(`${base}/CarePlan`)).json();
    if ((plans.entry ?? []).length !== 1)
      throw new Error(`the peer holds ${(plans.entry ?? []).length} CarePlans, expected 1`);
    await courier.close();
    if (bareStarted) await bare.close();
    await bareQueue.obliterate({ force: true });
    await bareQueue.close();
    await removeKeys(producer, `${prefix}*`);
    await removeKeys(producer, `${barePrefix}*`);

    // Redis bytes per waiting message: 1 MB epikriser accepted, nobody delivering.
    const wprefix = `{ipbro-bench-waiting-${run}}`;
    const wredis = connect();
    const ledger = new MessageLedger(wredis, { prefix: wprefix, cipher: bodyCipherFromConfig(key, undefined) });
    const queue = createQueue(
      QUEUES.documents,
      wredis,
      { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0 },
      wprefix
    );
    const epikrise = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'epikrise.json'), 'utf8'));
    epikrise.entry[1].resource.content[0].attachment.data = randomBytes(1024 * 1024).toString('base64');
    const epiText = JSON.stringify(epikrise);
    const epiId = epikrise.entry[0].resource.id;
    for (let i = 0; i < waitingCount; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, waitingCount - i) }, () => {
          const id = randomUUID();
          const k = `997005562:${id}`;
          return ledger.accept({
            sender: '997005562',
            id,
            event: 'epikrise',
            body: epiText.replace(epiId, id),
            enqueue: (jobId) =>
              queue
                .add(
                  'epikrise',
                  deliveryJobData({
                    key: k,
                    messageId: id,
                    sender: '997005562',
                    event: 'epikrise',
                    homeKommune: '1508',
                  }),
                  { jobId }
                )
                .then(() => undefined),
          });
        })
      );
    }
    const all = await keysBytes(wredis, `${wprefix}*`);
    const bodies = await keysBytes(wredis, `${wprefix}:body:*`);
    await queue.obliterate({ force: true });
    await queue.close();
    await removeKeys(wredis, `${wprefix}*`);

    await new Promise((r) => server.close(r));
    for (const c of connections) c.disconnect();
    agent.destroy();
    directory.close();
    return [
      {
        metric:
          `courier plan-copy deliveries, fhir-rest (best of ${rounds} rounds of ${n} copies of one plan, its PDF ` +
          `rendered once; 2 conditional transactions each to a Medplum FHIR server; concurrency ${CONCURRENCY})`,
        value: measured.rate,
        unit: 'deliveries/s',
        anchor: 'bare BullMQ worker POSTing the same 2 transactions to the same peer',
        anchorValue: anchor.rate,
        target: 'ratio ≥ 0.7',
      },
      {
        metric: `plan PDF rendered for a new plan or copy (PDF/A, fonts embedded; mean of ${renders})`,
        value: renderMs,
        unit: 'ms',
      },
      {
        metric: 'courier CPU per plan-copy delivery (this process: worker, ledger, gate, peer)',
        value: measured.cpuUs,
        unit: 'µs',
        anchor: 'bare worker',
        anchorValue: anchor.cpuUs,
      },
      {
        metric: `Redis bytes per waiting 1 MB epikrise (${waitingCount} waiting, bodies encrypted; message ${epiText.length} bytes of JSON)`,
        value: all.bytes / waitingCount,
        unit: 'bytes',
        anchor: 'the message text itself',
        anchorValue: epiText.length,
      },
      {
        metric: 'Redis bytes per waiting epikrise besides its body (job, record, indexes)',
        value: (all.bytes - bodies.bytes) / waitingCount,
        unit: 'bytes',
      },
    ];
  },
};
