import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// The loop closed, across real processes: the ward's meldeplikt → gateway → router → Ålesund's
// koordinerende enhet (kommune-simulator), whose receipt and then meldeplikt-svar come back through
// the gateway → router → the ward's own endpoint (hospital-simulator), and the meldeplikt's status
// shows the answer. Real Redis, real HTTP, tokens from a HelseID-like issuer.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-e2e-${randomUUID().slice(0, 8)}}`;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'contract');
const MELDEPLIKT = readFileSync(join(FIXTURES, 'meldeplikt.json'), 'utf8');
const SVAR = readFileSync(join(FIXTURES, 'meldeplikt-svar.json'), 'utf8');
const HMR = '997005562';
const ALESUND = '942953119';
const MOLDE = '944305823';
const work = mkdtempSync(join(tmpdir(), 'ipbro-answer-'));
let issuer: TokenIssuer;
let issuerServer: Server;
let redis: Redis;
const services: Service[] = [];
let gateway: Service;
let kommune: Service;
let hospital: Service;
const tokens: Record<string, string> = {};

interface Status {
  state: string;
  answer?: {
    status: string;
    at: string;
    koordinator?: { name: string; telecom: { system?: string; value: string }[] };
    reason?: string;
  };
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const clients = [HMR, ALESUND, MOLDE].map((o) => ({
    clientId: `kommune-${o}`,
    orgnr: o,
    scopes: ['ipbro:message.write', 'ipbro:message.read'],
  }));
  issuer = await createTokenIssuer({ issuer: issuerUrl, audience: 'ipbro', clients });
  issuerServer = await new Promise<Server>((resolve) => {
    const s = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve(s));
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  for (const orgnr of [HMR, ALESUND, MOLDE]) {
    tokens[orgnr] = await issuer.mint({
      orgnr,
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: `client-${orgnr}`,
      expiresInSeconds: 3600,
    });
  }
  tokens.ops = await issuer.mint({
    orgnr: HMR,
    scope: 'ipbro:ops ipbro:message.read',
    clientId: 'ops',
    expiresInSeconds: 3600,
  });
  const common = { REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
  // The gateway has the directory too: the meldeplikt's recipient is on its record from intake on, so
  // the kommune's receipt and answer never wait for the router's bookkeeping of the delivery.
  const kommunePort = await freePort();
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${kommunePort}`);
  const directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  gateway = await startService('gateway', {
    ...common,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
    DIRECTORY_FILE: directoryFile,
  });
  // The ward's system: it takes the kommune's answers at its own /fhir (named in source.endpoint).
  hospital = await startService('hospital-simulator', {
    TOKEN_ISSUER_PORT: await freePort(),
    SIM_GATEWAY_URL: gateway.url,
  });
  kommune = await startService(
    'kommune-simulator',
    {
      SIM_BEHAVIOUR: 'later',
      SIM_LATER_MS: 200,
      SIM_ANSWER_MS: 300,
      SIM_GATEWAY_URL: gateway.url,
      SIM_TOKEN_URL: `${issuerUrl}/token`,
    },
    kommunePort
  );
  const router = await startService('meldeplikt-router', {
    ...common,
    DIRECTORY_FILE: directoryFile,
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 500,
  });
  services.push(router, kommune, hospital, gateway);
}, 90000);

afterAll(async () => {
  for (const s of services) await stopService(s);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await removeTestData(redis, prefix);
});

const send = (body: unknown, orgnr: string) =>
  fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${tokens[orgnr]}` },
    body: JSON.stringify(body),
  });
const status = async (id: string, who: string): Promise<Status> =>
  (
    await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${tokens[who]}` } })
  ).json() as Promise<Status>;
const answersAtHospital = async () =>
  (await (await fetch(`${hospital.url}/_sim/answers`)).json()) as {
    id: string;
    meldeplikt: string;
    status: string;
    koordinator?: { name: string };
  }[];

/** Every key and value under the test's prefix, as text (strings, hashes, lists, sets, zsets, streams). */
async function redisText(): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out.push(key, (await redis.getBuffer(key))?.toString('utf8') ?? '');
      else if (type === 'hash') out.push(key, ...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'list') out.push(key, ...(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(key, ...(await redis.smembers(key)));
      else if (type === 'zset') out.push(key, ...(await redis.zrange(key, 0, -1)));
      else if (type === 'stream')
        out.push(key, ...(await redis.xrange(key, '-', '+')).flatMap(([id, f]) => [id, ...f]));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

/** The contract's meldeplikt with a fresh id, whose sender takes answers at the hospital simulator. */
function meldeplikt(): { id: string; bundle: { entry: { resource: { id: string; source: { endpoint: string } } }[] } } {
  const bundle = JSON.parse(MELDEPLIKT);
  bundle.entry[0].resource.id = randomUUID();
  bundle.entry[0].resource.source.endpoint = `${hospital.url}/fhir`;
  return { id: bundle.entry[0].resource.id, bundle };
}

let answered: string;

test("the kommune's meldeplikt-svar reaches the ward; the meldeplikt's status shows the koordinator's name and telephone", async () => {
  const m = meldeplikt();
  answered = m.id;
  expect((await send(m.bundle, HMR)).status).toBe(202);
  const svarId = await eventually(
    async () => {
      const got = (await (await fetch(`${kommune.url}/_sim/received`)).json()) as {
        id: string;
        svar?: { id: string; status?: number };
      }[];
      return got.find((r) => r.id === m.id)?.svar?.id;
    },
    15000,
    'the kommune to answer'
  );
  // The ward's system got the answer once, naming its meldeplikt and the koordinator.
  const atWard = await eventually(
    async () => (await answersAtHospital()).find((a) => a.id === svarId),
    15000,
    'the svar at the ward'
  );
  expect(atWard).toMatchObject({
    meldeplikt: m.id,
    status: 'completed',
    koordinator: { name: 'Ingrid Hansen' },
    count: 1,
  });
  // The ward's status of its meldeplikt: acknowledged, and the answer with who and how to reach them.
  const seen = await status(m.id, HMR);
  expect(seen.state).toBe('acknowledged');
  expect(seen.answer).toEqual({
    status: 'completed',
    at: expect.any(String),
    koordinator: {
      name: 'Ingrid Hansen',
      telecom: [
        { system: 'phone', value: '+47 70 16 20 00' },
        { system: 'email', value: 'koordinator@kommune.example.test' },
      ],
    },
  });
  // The svar itself ended acknowledged (the ward's system answered with a receipt), as a message to the sender.
  const svar = await eventually(
    async () => {
      const s = (await (
        await fetch(`${gateway.url}/messages/${svarId}`, { headers: { Authorization: `Bearer ${tokens[ALESUND]}` } })
      ).json()) as Status & { recipient: { endpoint?: string } };
      return s.state === 'acknowledged' ? s : undefined;
    },
    15000,
    'the svar acknowledged'
  );
  expect(svar.recipient.endpoint).toBe(`${hospital.url}/fhir`);
  // Ops see that it was answered, never by whom; no name in the services' logs.
  const ops = await status(m.id, 'ops');
  expect(ops.answer).toEqual({ status: 'completed', at: seen.answer?.at });
  for (const s of services)
    expect(s.name === 'hospital-simulator' ? '' : s.output.join('')).not.toMatch(/Ingrid|Hansen|70 16 20 00/);
  // Nor in Redis: the svar's body and the kept answer are sealed with the body key.
  const stored = await redisText();
  expect(stored).toContain(`:answer\n997005562:${m.id}`); // the scan reads the kept answer
  expect(stored.match(/Ingrid|Hansen|70 16 20 00/g)).toBeNull();
}, 60000);

test('the same answer from a kommune that did not receive the meldeplikt is refused (403) and changes nothing', async () => {
  const before = { status: await status(answered, HMR), atWard: await answersAtHospital() };
  const svar = JSON.parse(SVAR);
  svar.entry[0].resource.id = randomUUID();
  svar.entry[1].resource.basedOn[0].identifier.value = `urn:uuid:${answered}`;
  svar.entry[1].resource.status = 'rejected';
  svar.entry[1].resource.statusReason = { text: 'feil kommune' };
  svar.entry[5].resource.identifier = [{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: MOLDE }];
  const res = await send(svar, MOLDE);
  expect(res.status).toBe(403);
  const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].diagnostics).toContain(`was not sent to organisation ${MOLDE}`);
  // Time for a wrongful delivery; then everything is as it was.
  await new Promise((r) => setTimeout(r, 1000));
  expect({ status: await status(answered, HMR), atWard: await answersAtHospital() }).toEqual(before);
  expect(
    (
      await fetch(`${gateway.url}/messages/${svar.entry[0].resource.id}`, {
        headers: { Authorization: `Bearer ${tokens[MOLDE]}` },
      })
    ).status
  ).toBe(404);
  // Nor may a kommune answer a meldeplikt that never passed through IP-bro.
  svar.entry[1].resource.basedOn[0].identifier.value = `urn:uuid:${randomUUID()}`;
  expect((await send(svar, MOLDE)).status).toBe(422);
}, 30000);
