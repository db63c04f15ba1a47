#!/usr/bin/env node
// `npm start`: the whole system on this machine with simulated peers. Starts the hospital simulator
// (with a local token issuer), the gateway, the meldeplikt-router, a simulated koordinerende enhet for
// the demo kommuner and the plan-mapper; prints the one curl line that sends the contract's meldeplikt
// and where to watch it travel. Ctrl-C stops everything.
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const demo = path.join(root, '.demo');
fs.mkdirSync(demo, { recursive: true });
const env = process.env;
const port = (name, fallback) => Number(env[name] ?? fallback);
const P = {
  issuer: port('DEMO_ISSUER_PORT', 4100),
  kommune: port('DEMO_KOMMUNE_PORT', 4101),
  hospital: port('DEMO_HOSPITAL_PORT', 4102),
  gateway: port('DEMO_GATEWAY_PORT', 8080),
  router: port('DEMO_ROUTER_PORT', 8082),
  mapper: port('DEMO_MAPPER_PORT', 8083),
  ops: port('DEMO_OPS_PORT', 8084),
  opsView: port('DEMO_OPS_VIEW_PORT', 8086),
  courier: port('DEMO_COURIER_PORT', 8085),
};
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const issuer = `http://127.0.0.1:${P.issuer}`;
const gateway = `http://127.0.0.1:${P.gateway}`;
/** Where the demo hospital takes the kommune's answers and receipts (its MessageHeader.source.endpoint). */
const hospitalFhir = `http://127.0.0.1:${P.hospital}/fhir`;
/** Where Ålesund's koordinerende enhet takes receipts for the plan copies it sends. */
const alesundKe = `http://127.0.0.1:${P.kommune}/kommune/1508/ke`;

// The directory of the demo: the simulated kommuner answer on the kommune simulator's port.
const directory = JSON.parse(fs.readFileSync(path.join(root, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
for (const party of [...directory.kommuner, ...directory.helseforetak]) {
  for (const ep of [party.koordinerendeEnhet, party.ehr]) {
    if (!ep) continue;
    for (const k of ['endpoint', 'fhirBase'])
      if (ep[k]) ep[k] = ep[k].replace(':4101', `:${P.kommune}`).replace(':4102', `:${P.hospital}`);
  }
}
const directoryFile = path.join(demo, 'directory.json');
fs.writeFileSync(directoryFile, JSON.stringify(directory, null, 2));
const tokenFile = path.join(demo, 'token');
fs.rmSync(tokenFile, { force: true });

// The demo keeps its queues and ledger under a prefix of its own and starts clean, so the example
// meldeplikt is new on every `npm start` (a second send of the same id then shows the 200 of dedup).
const QUEUE_PREFIX = '{ipbro-demo}';
const common = {
  REDIS_URL,
  QUEUE_PREFIX,
  DIRECTORY_FILE: directoryFile,
  IPBRO_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
  AUTH_ISSUER: issuer,
  AUTH_AUDIENCE: 'ipbro',
  AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
  DELIVERY_BACKOFF_MS: env.DELIVERY_BACKOFF_MS ?? '1000',
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
};
const services = [
  {
    name: 'hospital-simulator',
    dir: 'services/hospital-simulator',
    env: {
      PORT: P.hospital,
      TOKEN_ISSUER_PORT: P.issuer,
      SIM_GATEWAY_URL: gateway,
      SIM_RECEIPT_ENDPOINT: hospitalFhir,
      DEMO_TOKEN_OUT: tokenFile,
    },
    health: `http://127.0.0.1:${P.hospital}/healthz`,
  },
  { name: 'gateway', dir: 'services/gateway', env: { PORT: P.gateway }, health: `${gateway}/readyz` },
  {
    name: 'meldeplikt-router',
    dir: 'services/meldeplikt-router',
    env: { PORT: P.router },
    health: `http://127.0.0.1:${P.router}/readyz`,
  },
  {
    name: 'document-courier',
    dir: 'services/document-courier',
    env: { PORT: P.courier },
    health: `http://127.0.0.1:${P.courier}/readyz`,
  },
  {
    name: 'kommune-simulator',
    dir: 'services/kommune-simulator',
    env: {
      PORT: P.kommune,
      SIM_BEHAVIOUR: env.SIM_BEHAVIOUR ?? 'later',
      SIM_LATER_MS: '1500',
      SIM_ANSWER_MS: env.SIM_ANSWER_MS ?? '3000',
      SIM_GATEWAY_URL: gateway,
      SIM_TOKEN_URL: `${issuer}/token`,
    },
    health: `http://127.0.0.1:${P.kommune}/healthz`,
  },
  {
    name: 'plan-mapper',
    dir: 'services/plan-mapper',
    env: { PORT: P.mapper },
    health: `http://127.0.0.1:${P.mapper}/healthz`,
  },
  {
    name: 'ops-dashboard',
    dir: 'services/ops-dashboard',
    env: { PORT: P.ops, ALERT_INTERVAL_MS: '5000' },
    health: `http://127.0.0.1:${P.ops}/readyz`,
  },
];
const opsTokenFile = path.join(demo, 'ops-token');

/** A token for one of the demo issuer's clients, written to `file`. */
async function writeToken(clientId, scope, file) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&scope=${encodeURIComponent(scope)}`,
  });
  if (!res.ok) throw new Error(`the issuer refused a token for ${clientId}: ${res.status} ${await res.text()}`);
  fs.writeFileSync(file, (await res.json()).access_token);
}
/** The ops client (scope ipbro:ops), for the dashboard. */
const writeOpsToken = () => writeToken('ops', 'ipbro:ops', opsTokenFile);

/**
 * The contract's plan copy is sent by Ålesund kommune to Helse Møre og Romsdal; its consent names
 * both. For the walkthrough: Ålesund's token, the plan copy with its source.endpoint at Ålesund's
 * simulated koordinerende enhet (which keeps its receipts), and the same plan copy addressed to Molde
 * kommune, which the consent does not name (a fresh message id each start).
 */
const alesundTokenFile = path.join(demo, 'alesund-token');
const planCopyFile = path.join(demo, 'ip-plan-copy.json');
const toMoldeFile = path.join(demo, 'ip-plan-copy-to-molde.json');
async function writePlanCopyDemo() {
  await writeToken('kommune-942953119', 'ipbro:message.write ipbro:message.read', alesundTokenFile);
  const copy = JSON.parse(
    fs.readFileSync(path.join(root, 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
  );
  const header = copy.entry[0].resource;
  header.source.endpoint = alesundKe;
  fs.writeFileSync(planCopyFile, JSON.stringify(copy, null, 2));
  header.id = crypto.randomUUID();
  const molde = directory.kommuner.find((k) => k.orgnr === '944305823');
  const endpoint = molde.ehr?.fhirBase ?? molde.koordinerendeEnhet.endpoint;
  header.destination = [
    {
      endpoint,
      name: 'Molde kommune',
      receiver: {
        identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '944305823' },
        display: 'Molde kommune',
      },
    },
  ];
  fs.writeFileSync(toMoldeFile, JSON.stringify(copy, null, 2));
  return header.id;
}

/**
 * The contract's meldeplikt as the demo sends it: the same message id, its source.endpoint pointed at
 * the hospital simulator (the example's *.example.test address reaches nobody), so the kommune's
 * meldeplikt-svar comes back to a ward that shows it.
 */
const meldepliktFile = path.join(demo, 'meldeplikt.json');
function writeMeldepliktDemo() {
  const m = JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8'));
  m.entry[0].resource.source.endpoint = hospitalFhir;
  fs.writeFileSync(meldepliktFile, JSON.stringify(m, null, 2));
}

const children = [];
const width = Math.max(...services.map((s) => s.name.length));
function relay(name, stream) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      let text = line;
      try {
        const j = JSON.parse(line);
        if (j.msg === 'request' && /^\/(healthz|readyz|metrics)/.test(j.path ?? '')) continue;
        const rest2 = { ...j };
        for (const field of ['level', 'time', 'pid', 'hostname', 'service', 'name', 'msg']) delete rest2[field];
        text = `${j.msg}${Object.keys(rest2).length ? ' ' + JSON.stringify(rest2) : ''}`;
      } catch {
        // not JSON: as is
      }
      process.stdout.write(`${name.padEnd(width)} | ${text}\n`);
    }
  });
}

async function waitFor(url, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

function stopAll(code) {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

async function clearDemoKeys() {
  const { Redis } = require('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

/**
 * Demo only: a local view of the ops dashboard that adds the ops token to each request, so a browser
 * can open the page (in production an authenticating proxy in front of the dashboard does this).
 */
function startOpsView() {
  const http = require('node:http');
  const token = fs.readFileSync(opsTokenFile, 'utf8').trim();
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: P.ops,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${P.ops}`, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }
    );
    upstream.on('error', (err) =>
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`ops dashboard: ${err.message}`)
    );
    req.pipe(upstream);
  });
  server.on('error', (err) => console.error(`demo: no ops view on :${P.opsView}: ${err.message}`));
  server.listen(P.opsView, '127.0.0.1');
  server.unref();
}

(async () => {
  await clearDemoKeys();
  for (const s of services) {
    const child = spawn(process.execPath, [path.join(root, s.dir, 'dist', 'main.js')], {
      env: { ...env, ...common, ...Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, String(v)])) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    relay(s.name, child.stdout);
    relay(s.name, child.stderr);
    child.on('exit', (code, signal) => {
      process.stdout.write(`${s.name.padEnd(width)} | exited (${signal ?? code})\n`);
    });
    await waitFor(s.health).catch((err) => {
      console.error(`demo: ${s.name} did not start: ${err.message}`);
      stopAll(1);
      throw err;
    });
  }
  const opsToken = await writeOpsToken().then(
    () => true,
    (err) => {
      console.error(`demo: no ops token: ${err.message}`);
      return false;
    }
  );
  if (opsToken) startOpsView();
  const moldeId = await writePlanCopyDemo().catch((err) => {
    console.error(`demo: no plan-copy walkthrough: ${err.message}`);
    return undefined;
  });
  const planExample = '.demo/ip-plan-copy.json';
  const alesund = `-H "Authorization: Bearer $(cat .demo/alesund-token)"`;
  // Ålesund's plan-copy POST, less its body file (kept apart so the help text stays readable).
  const postPlanCopy = `curl -si -X POST '${gateway}/fhir/$process-message' ${alesund} -H 'Content-Type: application/fhir+json'`;
  writeMeldepliktDemo();
  const example = '.demo/meldeplikt.json';
  const bearer = `-H "Authorization: Bearer $(cat .demo/token)"`;
  console.log(`
IP-bro demo is running (Redis at ${REDIS_URL}). Send the contract's meldeplikt from Helse Møre og Romsdal:

  curl -si -X POST '${gateway}/fhir/$process-message' ${bearer} -H 'Content-Type: application/fhir+json' --data-binary @${example}

Watch it travel:
  status     curl -s ${gateway}/messages/6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01 ${bearer}
  kommune    curl -s http://127.0.0.1:${P.kommune}/_sim/received      (what Ålesund's koordinerende enhet got)
  hospital   curl -s -X POST http://127.0.0.1:${P.hospital}/send/meldeplikt   (another one, with a fresh id)
  receipt    curl -s http://127.0.0.1:${P.hospital}/_sim/receipts     (the receipt IP-bro pushed back to the ward)
  answer     curl -s http://127.0.0.1:${P.hospital}/_sim/answers      (the kommune's meldeplikt-svar at the ward)
  mapper     npx ipbro validate ${example}
The kommune answers 202 and posts its receipt 1.5 s later: queued → delivered → acknowledged. 3 s after
its receipt it answers (meldeplikt-svar: the koordinator's name and telephone): the status gains "answer".
(${example} is the contract's meldeplikt with its source.endpoint at the hospital simulator.)

Plan copies from Ålesund kommune (the document-courier delivers them only where the patient's consent allows):
  to HMR     ${postPlanCopy} --data-binary @${planExample}
             (the consent names Helse Møre og Romsdal: delivered to the hospital simulator)
  to Molde   ${postPlanCopy} --data-binary @.demo/ip-plan-copy-to-molde.json
             (the consent does not name Molde: blocked, nothing leaves)
  status     curl -s ${gateway}/messages/${moldeId ?? '<id>'} ${alesund}
  receipts   curl -s http://127.0.0.1:${P.kommune}/_sim/receipts     (Ålesund hears: ok from HMR, fatal-error for Molde)
  read it    npx ipbro render ${planExample} --out plan.pdf         (the plan as a person reads it; --out plan.html)
An epikrise from the hospital into Ålesund's EHR (a FHIR server): curl -s -X POST http://127.0.0.1:${P.hospital}/send/epikrise
  then       curl -s 'http://127.0.0.1:${P.kommune}/kommune/1508/fhir/DocumentReference'

Operators (scope ipbro:ops${opsToken ? ', token in .demo/ops-token' : ''}):
  dashboard  http://127.0.0.1:${P.opsView}/ops   in a browser (queues at /queues/): the demo's view adds the ops token;
             the dashboard itself (:${P.ops}) takes only requests with Authorization: Bearer <ops token>
  overview   curl -s http://127.0.0.1:${P.ops}/ops/api/overview -H "Authorization: Bearer $(cat .demo/ops-token)"
  metrics    curl -s http://127.0.0.1:${P.ops}/metrics
Ctrl-C stops everything.
`);
})().catch(() => undefined);
