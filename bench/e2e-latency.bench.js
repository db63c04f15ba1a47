// End-to-end latency at a steady 200 meldeplikt/s: from the hospital's POST to the gateway until the
// kommune's koordinerende enhet has the message (gateway → Redis/BullMQ → router → receiver), p50/p99.
// Gateway, router and receiver share this process; the load is open-loop (sent on schedule, not on reply).
'use strict';
const http = require('node:http');
const { readFileSync, writeFileSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { SignJWT, exportJWK, generateKeyPair } = require('jose');
const { createGatewayApp } = require('../services/gateway/dist');
const { startMeldepliktRouter } = require('../services/meldeplikt-router/dist');
const { MessageLedger } = require('../packages/message-ledger/dist');
const { Directory } = require('../packages/directory/dist');
const { createQueue, QUEUES } = require('../packages/queues/dist');
const { createAuthenticator, createLogger, ORGNR_CLAIM } = require('../packages/service-kit/dist');
const { loadDefinitions } = require('../packages/validation/dist');
const { percentile } = require('./support');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const listen = (app) => new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });

module.exports = {
  name: 'e2e-latency',
  async run({ quick }) {
    const rate = 200;
    const seconds = quick ? 5 : 20;
    const run = randomUUID().slice(0, 8);
    const arrived = new Map();
    const receiver = http.createServer((req, res) => { const id = req.headers['x-request-id']; req.resume(); req.on('end', () => { if (!arrived.has(id)) arrived.set(id, process.hrtime.bigint()); res.writeHead(202); res.end(); }); });
    const receiverServer = await listen(receiver);
    const directoryData = JSON.parse(readFileSync(join(__dirname, '..', 'packages', 'directory', 'demo-directory.json'), 'utf8'));
    for (const k of directoryData.kommuner) k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${receiverServer.address().port}`);
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const dir = mkdtempSync(join(tmpdir(), 'ipbro-bench-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'b', alg: 'RS256' }] }));
    const token = await new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' }).setProtectedHeader({ alg: 'RS256', kid: 'b' }).setIssuer('bench').setAudience('ipbro').setExpirationTime('1h').sign(privateKey);
    const prefix = `{ipbro-bench-e2e-${run}}`;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const delivery = { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0 };
    const queues = { [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, prefix), [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, prefix) };
    loadDefinitions();
    const logger = createLogger('bench', { level: 'warn' });
    const gw = await listen(createGatewayApp({ logger, ledger: new MessageLedger(redis, { prefix }), queues, auth: createAuthenticator({ mode: 'jwt', issuer: 'bench', audience: 'ipbro', jwksFile: join(dir, 'jwks.json') }) }));
    const directory = Directory.fromObject(directoryData);
    const router = startMeldepliktRouter({ producer: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), workerConnection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), directory, logger, prefix, delivery: { ...delivery, timeoutMs: 10000 }, concurrency: 32 });
    const template = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const sentAt = new Map();
    const statuses = {};
    const total = rate * seconds;
    const start = process.hrtime.bigint();
    await new Promise((resolve) => {
      let i = 0;
      const tick = () => {
        const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - start) / 1e9) * rate) + 1);
        while (i < due) {
          const id = `${run}-${i++}`;
          const body = template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', id);
          sentAt.set(id, process.hrtime.bigint());
          const req = http.request({ agent, host: '127.0.0.1', port: gw.address().port, path: '/fhir/$process-message', method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}`, 'Content-Length': Buffer.byteLength(body) } }, (res) => { res.resume(); statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1; });
          req.on('error', () => { statuses.error = (statuses.error ?? 0) + 1; });
          req.end(body);
        }
        if (i >= total) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
    const deadline = Date.now() + 60000;
    while (arrived.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const latencies = [...sentAt].filter(([id]) => arrived.has(id)).map(([id, t]) => Number(arrived.get(id) - t) / 1e6).sort((a, b) => a - b);
    await router.close();
    gw.close();
    receiverServer.close();
    directory.close();
    for (const q of Object.values(queues)) { await q.obliterate({ force: true }); await q.close(); }
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    agent.destroy();
    return [
      { metric: `end-to-end latency p50 at ${rate}/s (${latencies.length}/${total} arrived; answers ${JSON.stringify(statuses)})`, value: percentile(latencies, 50), unit: 'ms' },
      { metric: `end-to-end latency p99 at ${rate}/s`, value: percentile(latencies, 99), unit: 'ms' },
    ];
  },
};
