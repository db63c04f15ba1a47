// End-to-end latency at a steady 200 meldeplikt/s, from the hospital's POST to the gateway until the
// kommune's koordinerende enhet has the message: gateway and meldeplikt-router run as their own
// processes (as deployed), on the machine's cores; load and receiver in this process. Open-loop load:
// requests leave on schedule, not on reply. Reports p50 and p99.
'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { randomUUID } = require('node:crypto');
const net = require('node:net');
const { Redis } = require('ioredis');
const { SignJWT, exportJWK, generateKeyPair } = require('jose');
const { percentile } = require('./support');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// One body key for the gateway that encrypts and the router that reads, as deployed.
const BENCH_KEY = require('node:crypto').randomBytes(32).toString('base64');
const ROOT = join(__dirname, '..');
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

async function start(name, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'services', name, 'dist', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', IPBRO_ENCRYPTION_KEY: BENCH_KEY, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { child, port };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${name} did not start`);
}

module.exports = {
  name: 'e2e-latency',
  pin: false,
  async run({ quick }) {
    const rate = 200;
    const seconds = quick ? 5 : 20;
    const run = randomUUID().slice(0, 8);
    const prefix = `{ipbro-bench-e2e-${run}}`;
    const work = mkdtempSync(join(tmpdir(), 'ipbro-bench-'));
    const arrived = new Map();
    const receiver = http.createServer((req, res) => {
      const id = req.headers['x-request-id'];
      req.resume();
      req.on('end', () => {
        if (!arrived.has(id)) arrived.set(id, process.hrtime.bigint());
        res.writeHead(202);
        res.end();
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
    for (const k of directory.kommuner)
      k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${receiver.address().port}`);
    writeFileSync(join(work, 'directory.json'), JSON.stringify(directory));
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    writeFileSync(
      join(work, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'b', alg: 'RS256' }] })
    );
    const token = await new SignJWT({
      scope: 'ipbro:message.write',
      'helseid://claims/client/claims/orgnr_parent': '997005562',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'b', typ: 'at+jwt' })
      .setIssuer('bench')
      .setAudience('ipbro')
      .setExpirationTime('1h')
      .sign(privateKey);
    const common = { REDIS_URL, QUEUE_PREFIX: prefix, DIRECTORY_FILE: join(work, 'directory.json') };
    const gateway = await start('gateway', {
      ...common,
      AUTH_ISSUER: 'bench',
      AUTH_AUDIENCE: 'ipbro',
      AUTH_JWKS_FILE: join(work, 'jwks.json'),
    });
    const router = await start('meldeplikt-router', { ...common, ROUTER_CONCURRENCY: '32' });
    const template = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const post = (id) =>
      new Promise((resolve) => {
        const body = template.replace('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', id);
        const req = http.request(
          {
            agent,
            host: '127.0.0.1',
            port: gateway.port,
            path: '/fhir/$process-message',
            method: 'POST',
            headers: {
              'Content-Type': 'application/fhir+json',
              Authorization: `Bearer ${token}`,
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          }
        );
        req.on('error', () => resolve('error'));
        req.end(body);
      });
    for (let i = 0; i < 50; i++) await post(`${run}-warm-${i}`); // JIT and connections
    const sentAt = new Map();
    const statuses = {};
    const total = rate * seconds;
    const start0 = process.hrtime.bigint();
    const pending = [];
    await new Promise((resolve) => {
      let i = 0;
      const tick = () => {
        const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - start0) / 1e9) * rate) + 1);
        while (i < due) {
          const id = `${run}-${i++}`;
          sentAt.set(id, process.hrtime.bigint());
          pending.push(
            post(id).then((s) => {
              statuses[s] = (statuses[s] ?? 0) + 1;
            })
          );
        }
        if (i >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await Promise.all(pending);
    const deadline = Date.now() + 60000;
    while ([...sentAt.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const latencies = [...sentAt]
      .filter(([id]) => arrived.has(id))
      .map(([id, t]) => Number(arrived.get(id) - t) / 1e6)
      .sort((a, b) => a - b);
    for (const s of [gateway, router]) s.child.kill('SIGTERM');
    receiver.close();
    agent.destroy();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    return [
      {
        metric: `end-to-end latency p50 at ${rate}/s (${latencies.length}/${total} arrived; gateway answered ${JSON.stringify(statuses)})`,
        value: percentile(latencies, 50),
        unit: 'ms',
      },
      { metric: `end-to-end latency p99 at ${rate}/s`, value: percentile(latencies, 99), unit: 'ms' },
    ];
  },
};
