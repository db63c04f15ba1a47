// Redis bytes per waiting meldeplikt through the whole gateway path: a gateway wired as main.ts
// wires it (wireGateway, bodies encrypted, the audit trail on) on a Redis of the bench's own
// (append-only file on, noeviction), no router running, so every accepted message waits. N example
// meldeplikt are POSTed; the figure is INFO used_memory growth / N, with MEMORY USAGE of every key
// under the prefix, grouped by kind (ledger record, body, job, audit stream, indexes), beside it.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync, readFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes, randomUUID } = require('node:crypto');
const { Redis } = require('ioredis');
const { loadGatewayConfig, wireGateway } = require('../services/gateway/dist');
const { createLogger, logDestination } = require('../packages/service-kit/dist');
const { createTokenIssuer } = require('../packages/simulated-peers/dist');

const TARGET = 8192;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const usedMemory = async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);

async function startRedis(dir) {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  for (let i = 0; i < 200; i++) {
    try {
      if (redis.status !== 'ready') await redis.connect();
      await redis.ping();
      return { port, child, redis };
    } catch {
      await sleep(50);
    }
  }
  child.kill();
  throw new Error(`redis-server (the bench's own, port ${port}) did not start: is redis-server installed?`);
}

/** Every key under `prefix`, its MEMORY USAGE summed by kind (the key with the message's ids taken out). */
async function usageByKind(redis, prefix, ids) {
  const kinds = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const sizes = await pipe.exec();
    keys.forEach((k, i) => {
      const kind = k
        .slice(prefix.length)
        .replace(ids, '<id>')
        .replace(/[0-9a-f]{16,}/g, '<hash>')
        .replace(/:\d+$/, ':<n>');
      kinds[kind] = (kinds[kind] ?? 0) + Number(sizes[i][1] ?? 0);
    });
  } while (cursor !== '0');
  return kinds;
}

module.exports = {
  name: 'gateway-memory',
  pin: false,
  async run({ quick }) {
    const n = quick ? 2000 : 5000;
    const dir = mkdtempSync(join(tmpdir(), 'ipbro-bench-mem-'));
    const own = await startRedis(dir);
    const template = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
    const run = randomUUID().slice(0, 8);
    const issuer = await createTokenIssuer({ issuer: 'bench', audience: 'ipbro', clients: [] });
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(issuer.jwks));
    const token = await issuer.mint({
      orgnr: '997005562',
      scope: 'ipbro:message.write',
      clientId: 'bench',
      expiresInSeconds: 3600,
    });
    const logger = createLogger('gateway', { level: 'info', destination: logDestination('/dev/null') });
    const prefix = `{ipbro-bench-mem-${run}}`;
    const env = {
      REDIS_URL: `redis://127.0.0.1:${own.port}`,
      QUEUE_PREFIX: prefix,
      IPBRO_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUDIT_HMAC_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUER: 'bench',
      AUTH_AUDIENCE: 'ipbro',
      AUTH_JWKS_FILE: join(dir, 'jwks.json'),
    };
    const wired = await wireGateway(loadGatewayConfig(env), logger);
    const server = await new Promise((resolve) => {
      const s = wired.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${server.address().port}/fhir/$process-message`;
    const post = async (id) => {
      const res = await fetch(url, {
        method: 'POST',
        body: template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', id),
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' },
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`gateway answered ${res.status}`);
    };
    try {
      await post(`${run}-warm`); // the first message creates the queue's and the trail's shared keys
      const before = await usedMemory(own.redis);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < n) await post(`${run}-${next++}`);
        })
      );
      await sleep(200);
      const perMessage = ((await usedMemory(own.redis)) - before) / n;
      const kinds = await usageByKind(own.redis, prefix, new RegExp(`${run}-(\\d+|warm)`, 'g'));
      const parts = Object.entries(kinds)
        .filter(([, v]) => v >= n)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${Math.round(v / (n + 1))}`);
      return [
        {
          metric: `Redis bytes per waiting meldeplikt (≤ 8 KB; gateway path: record, encrypted body, job, audit, indexes; used_memory growth / ${n})`,
          value: perMessage,
          unit: 'bytes',
          target: `≤ ${TARGET}`,
        },
        {
          metric: `  of which, MEMORY USAGE per message by key: ${parts.join(', ')}`,
          value: Object.values(kinds).reduce((a, b) => a + b, 0) / (n + 1),
          unit: 'bytes',
        },
      ];
    } finally {
      server.close();
      await wired.close();
      await own.redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      own.redis.disconnect();
      own.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
