// A stranger's large bodies against the gateway, run as main.ts runs it (its own process, on the
// machine's cores). How long a 30 MB body without a token waits for its 401, beside the 401 of the
// same request without a body; how long /healthz waits while four such bodies keep arriving, beside
// /healthz with nothing else arriving. The uploading clients run on a worker thread, so the probe's
// own event loop is not what is measured. A diagnostic row shows /healthz while four authenticated
// 30 MB epikriser keep arriving (two read at a time, the others answered 503).
'use strict';
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { randomBytes, randomUUID } = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..');
const MB = 1024 * 1024;
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const sleep = (n) => new Promise((r) => setTimeout(r, n));

/** The bodies sent: a stranger's 30 MB of small JSON values (the costliest shape to parse), or an epikrise with a 22 MB PDF. */
function bodyOf(kind) {
  if (kind === 'stranger') return Buffer.from(`[${'{"a":1},'.repeat((30 * MB) / 8 - 1)}{"a":1}]`);
  const epikrise = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'epikrise.json'), 'utf8'));
  epikrise.entry[1].resource.content[0].attachment.data = randomBytes(22 * MB).toString('base64');
  return Buffer.from(JSON.stringify(epikrise));
}

/**
 * One POST on a new connection, its body written as fast as the socket takes it: ms from the first
 * byte sent to the answer's status line, and the status. The server may close while the body is still
 * going out (it answered from the headers); that is the point, not an error.
 */
function upload(port, headers, body) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let started;
    let seen = '';
    let failure = '';
    socket.on('connect', () => {
      started = process.hrtime.bigint();
      const head = [
        'POST /fhir/$process-message HTTP/1.1',
        'Host: 127.0.0.1',
        'Content-Type: application/fhir+json',
        `Content-Length: ${body.length}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ].join('\r\n');
      socket.write(`${head}\r\n\r\n`);
      if (body.length > 0) socket.write(body);
    });
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      const final = /HTTP\/1\.1 ([2-5]\d\d) /.exec(seen);
      if (!final) return;
      resolve({ ms: ms(started), status: Number(final[1]) });
      socket.destroy();
    });
    socket.on('error', (err) => void (failure = err.code ?? err.message));
    socket.on('close', () =>
      reject(new Error(`closed without an answer (${failure || 'no error'}): ${JSON.stringify(seen.slice(0, 80))}`))
    );
  });
}

// The worker: `clients` loops of uploads until `seconds` have passed; posts the statuses seen.
if (!isMainThread) {
  const { port, seconds, clients, headers, kind } = workerData;
  const body = bodyOf(kind);
  parentPort.postMessage('ready');
  parentPort.once('message', async () => {
    const end = Date.now() + seconds * 1000;
    const statuses = {};
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end) {
          const { status } = await upload(port, headers, body);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      })
    );
    parentPort.postMessage(statuses);
  });
}

async function startGateway(env) {
  const port = await new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const main = join(ROOT, 'services', 'gateway', 'dist', 'main.js');
  const childEnv = { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) };
  const child = spawn(process.execPath, [main], { env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { child, port };
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  child.kill();
  throw new Error('the gateway did not start');
}

/** GET /healthz every `everyMs` on a keep-alive connection while `until()` holds: latencies in ms, sorted. */
async function probeHealth(port, until, everyMs = 10) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  while (until()) {
    const started = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const req = http.get({ agent, host: '127.0.0.1', port, path: '/healthz' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
    latencies.push(ms(started));
    await sleep(everyMs);
  }
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

/** Four clients (on a worker thread) keep uploading `kind` bodies for `seconds`; /healthz is probed meanwhile. */
async function healthWhileArriving(port, seconds, headers, kind) {
  const worker = new Worker(__filename, { workerData: { port, seconds, clients: 4, headers, kind } });
  const failed = new Promise((_resolve, reject) => worker.once('error', reject));
  await Promise.race([new Promise((resolve) => worker.once('message', resolve)), failed]); // its body is built
  const done = Promise.race([new Promise((resolve) => worker.once('message', resolve)), failed]);
  worker.postMessage('go');
  const end = Date.now() + seconds * 1000;
  const latencies = await probeHealth(port, () => Date.now() < end);
  const statuses = await done;
  await worker.terminate();
  return { latencies, statuses };
}

const worst = (sorted) => sorted[sorted.length - 1];
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);

async function measure(port, token, { trials, seconds }) {
  const body = bodyOf('stranger');
  const stranger = { Authorization: 'Bearer not-a-token' };
  for (let i = 0; i < 20; i++) await upload(port, stranger, Buffer.alloc(0)); // warm-up: JIT, connections
  const bodyless = [];
  const big = [];
  for (let i = 0; i < trials; i++) {
    const a = await upload(port, stranger, Buffer.alloc(0));
    const b = await upload(port, stranger, body);
    if (a.status !== 401 || b.status !== 401) throw new Error(`answered ${a.status} and ${b.status}, not 401`);
    bodyless.push(a.ms);
    big.push(b.ms);
  }
  bodyless.sort((x, y) => x - y);
  big.sort((x, y) => x - y);

  const idleEnd = Date.now() + seconds * 1000;
  const idle = await probeHealth(port, () => Date.now() < idleEnd);
  const strangers = await healthWhileArriving(port, seconds, stranger, 'stranger');
  if (Object.keys(strangers.statuses).some((s) => s !== '401'))
    throw new Error(`strangers answered ${JSON.stringify(strangers.statuses)}`);
  const authenticated = await healthWhileArriving(port, seconds, { Authorization: `Bearer ${token}` }, 'epikrise');

  const s = strangers.latencies;
  const a = authenticated.latencies;
  return [
    {
      metric: `401 for an unauthenticated 30 MB body, worst of ${trials} (p50 ${pct(big, 50)} ms)`,
      value: worst(big),
      unit: 'ms',
      anchor: `401 for the same request without a body, worst of ${trials}`,
      anchorValue: worst(bodyless),
      target: '≤ 100 ms',
    },
    {
      metric:
        `/healthz while four unauthenticated 30 MB bodies keep arriving (${strangers.statuses['401']} answered 401), ` +
        `worst of ${s.length} (p50 ${pct(s, 50)}, p99 ${pct(s, 99)} ms)`,
      value: worst(s),
      unit: 'ms',
      anchor: `/healthz with nothing else arriving, worst of ${idle.length} (p50 ${pct(idle, 50)}, p99 ${pct(idle, 99)} ms)`,
      anchorValue: worst(idle),
      target: '≤ 50 ms',
    },
    {
      metric:
        `diagnostic: /healthz while four authenticated 30 MB epikriser keep arriving (${JSON.stringify(authenticated.statuses)}), ` +
        `worst of ${a.length} (p50 ${pct(a, 50)} ms)`,
      value: worst(a),
      unit: 'ms',
      anchor: '/healthz with nothing else arriving, worst',
      anchorValue: worst(idle),
    },
  ];
}

module.exports = {
  name: 'gateway-stranger',
  pin: false,
  async run({ quick }) {
    const { Redis } = require('ioredis');
    const { SignJWT, exportJWK, generateKeyPair } = require('jose');
    const run = randomUUID().slice(0, 8);
    const prefix = `{ipbro-bench-stranger-${run}}`;
    const work = mkdtempSync(join(tmpdir(), 'ipbro-bench-'));
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    writeFileSync(
      join(work, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'b', alg: 'RS256' }] })
    );
    const claims = {
      scope: 'ipbro:message.write',
      client_id: 'bench',
      'helseid://claims/client/claims/orgnr_parent': '997005562',
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'b', typ: 'at+jwt' })
      .setIssuer('bench')
      .setAudience('ipbro')
      .setExpirationTime('1h')
      .sign(privateKey);
    const gateway = await startGateway({
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      IPBRO_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUER: 'bench',
      AUTH_AUDIENCE: 'ipbro',
      AUTH_JWKS_FILE: join(work, 'jwks.json'),
    });
    try {
      return await measure(gateway.port, token, { trials: quick ? 10 : 30, seconds: quick ? 3 : 8 });
    } finally {
      const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
      gateway.child.kill('SIGTERM');
      await exited; // it may still write (queue meta) while it stops
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      redis.disconnect();
    }
  },
};
