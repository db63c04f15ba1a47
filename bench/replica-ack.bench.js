// What acknowledged writes cost the gateway: two gateways wired as main.ts wires them (wireGateway),
// on a Redis primary with one replica of the bench's own (append-only file on, as deployed), one with
// REDIS_MIN_REPLICAS_ACK=1 (a 202 waits for WAIT: the replica has the message's writes) and one
// with 0. The same load loop, in short alternating rounds; the best of each side is compared.
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
const { loadLoop } = require('./support');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
const listen = (app) =>
  new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });

/** A redis-server of the bench's own; `replicaOf` makes it that port's replica. Resolves once it answers (and, a replica, is in sync). */
async function startRedis(dir, replicaOf) {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--dbfilename',
    `dump-${port}.rdb`,
    '--save',
    '',
  ];
  args.push(
    '--appendonly',
    'yes',
    '--appendfilename',
    `aof-${port}`,
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction'
  );
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
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
      const info = await redis.info('replication');
      if (!replicaOf || /master_link_status:up/.test(info)) return { port, child, redis };
    } catch {
      // not up yet
    }
    await sleep(50);
  }
  child.kill();
  throw new Error(`redis-server (the bench's own, port ${port}) did not start or sync: is redis-server installed?`);
}

module.exports = {
  name: 'replica-ack',
  // Primary and replica are processes of their own: the replica's round trip is part of what is measured.
  pin: false,
  async run({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'ipbro-bench-ack-'));
    const primary = await startRedis(dir);
    const replica = await startRedis(dir, primary.port);
    const template = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
    const run = randomUUID().slice(0, 8);
    const body = (i) => template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', `${run}-${i}`);
    const issuer = await createTokenIssuer({ issuer: 'bench', audience: 'ipbro', clients: [] });
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(issuer.jwks));
    const token = await issuer.mint({
      orgnr: '997005562',
      scope: 'ipbro:message.write',
      clientId: 'bench',
      expiresInSeconds: 3600,
    });
    const logger = createLogger('gateway', { level: 'info', destination: logDestination('/dev/null') });
    const gateway = async (ack) => {
      const env = {
        REDIS_URL: `redis://127.0.0.1:${primary.port}`,
        REDIS_MIN_REPLICAS_ACK: String(ack),
        QUEUE_PREFIX: `{ipbro-bench-ack-${ack}}`,
        IPBRO_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        AUTH_ISSUER: 'bench',
        AUTH_AUDIENCE: 'ipbro',
        AUTH_JWKS_FILE: join(dir, 'jwks.json'),
      };
      const wired = await wireGateway(loadGatewayConfig(env), logger);
      const server = await listen(wired.app);
      return { wired, server, url: `http://127.0.0.1:${server.address().port}/fhir/$process-message` };
    };
    const acked = await gateway(1);
    const plain = await gateway(0);
    const headers = { Authorization: `Bearer ${token}` };
    try {
      // Warm-up of both (validation is JIT-compiled under load), then alternating rounds.
      await loadLoop(plain.url, (i) => body(`wp-${i}`), { seconds: quick ? 3 : 6, headers });
      await loadLoop(acked.url, (i) => body(`wa-${i}`), { seconds: quick ? 2 : 4, headers });
      const rounds = quick ? 3 : 6;
      const roundSeconds = quick ? 1 : 2;
      let withAck = { rate: 0 };
      let without = { rate: 0 };
      for (let r = 0; r < rounds; r++) {
        const a = await loadLoop(acked.url, (i) => body(`a${r}-${i}`), { seconds: roundSeconds, headers });
        const p = await loadLoop(plain.url, (i) => body(`p${r}-${i}`), { seconds: roundSeconds, headers });
        for (const side of [a, p])
          if (Object.keys(side.statuses).some((s) => s !== '202'))
            throw new Error(`gateway answered ${JSON.stringify(side.statuses)}`);
        if (a.rate > withAck.rate) withAck = a;
        if (p.rate > without.rate) without = p;
      }
      return [
        {
          metric:
            'gateway with acknowledged writes: 202 only once the replica has the message ' +
            `(REDIS_MIN_REPLICAS_ACK=1, WAIT; best of ${rounds} alternating rounds of ${roundSeconds} s)`,
          value: withAck.rate,
          unit: 'messages/s',
          anchor: 'the same gateway on the same primary without waiting (REDIS_MIN_REPLICAS_ACK=0)',
          anchorValue: without.rate,
        },
      ];
    } finally {
      for (const g of [acked, plain]) {
        g.server.close();
        await g.wired.close();
      }
      for (const r of [replica, primary]) {
        r.redis.disconnect();
        r.child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
