import { createFhirPeer, createTokenIssuer, type FhirPeer } from '@ipbro/simulated-peers';
import { startRedisCluster, type RedisClusterSet } from '@ipbro/redis/src/test-support/redis-processes';
import type { Bundle, CarePlan, DocumentReference } from '@medplum/fhirtypes';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// The contract's journeys on a Redis Cluster of three primaries, each with a replica (so every 202
// waits for a replica, REDIS_MIN_REPLICAS_ACK's default there): gateway, meldeplikt-router and
// document-courier as processes given only REDIS_CLUSTER_NODES; the kommune side is the
// kommune-simulator (its koordinerende enhet answers later with a receipt through the gateway, and it
// runs Ålesund's EHR), the hospital's EHR a FHIR server in this process.
const prefix = `{ipbro-cluster-${randomUUID().slice(0, 8)}}`;
const work = mkdtempSync(join(tmpdir(), 'ipbro-cluster-'));
const KEY = randomBytes(32).toString('base64');
const ORG = { hmr: '997005562', alesund: '942953119' };
const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'contract', `${name}.json`), 'utf8');
let cluster: RedisClusterSet;
let issuerServer: Server;
let hmrEhr: FhirPeer;
let hmrServer: Server;
const services: Service[] = [];
const tokens: Record<string, string> = {};
let gateway: Service;
let kommune: Service;

beforeAll(async () => {
  cluster = await startRedisCluster(3, 1);
  const redis = { ...cluster.env, QUEUE_PREFIX: prefix, IPBRO_ENCRYPTION_KEY: KEY };
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const issuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: Object.values(ORG).map((o) => ({
      clientId: `kommune-${o}`,
      orgnr: o,
      scopes: ['ipbro:message.write', 'ipbro:message.read'],
    })),
  });
  issuerServer = await new Promise<Server>((resolve) => {
    const s = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve(s));
  });
  writeFileSync(join(work, 'jwks.json'), JSON.stringify(issuer.jwks));
  for (const [name, orgnr] of Object.entries(ORG))
    tokens[name] = await issuer.mint({
      orgnr,
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: `client-${name}`,
      expiresInSeconds: 3600,
    });
  gateway = await startService('gateway', {
    ...redis,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: join(work, 'jwks.json'),
  });
  kommune = await startService('kommune-simulator', {
    SIM_BEHAVIOUR: 'later',
    SIM_LATER_MS: 200,
    SIM_GATEWAY_URL: gateway.url,
    SIM_TOKEN_URL: `${issuerUrl}/token`,
  });
  services.push(gateway, kommune);
  hmrEhr = createFhirPeer();
  hmrServer = await new Promise<Server>((resolve) => {
    const s = hmrEhr.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner) {
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${kommune.port}`);
    if (k.ehr) k.ehr.fhirBase = k.ehr.fhirBase.replace(':4101', `:${kommune.port}`);
  }
  directory.helseforetak[0].ehr = {
    fhirBase: `http://127.0.0.1:${(hmrServer.address() as { port: number }).port}`,
    delivery: 'fhir-rest',
    maxTransactionEntries: 8,
  };
  writeFileSync(join(work, 'directory.json'), JSON.stringify(directory));
  const workers = {
    ...redis,
    DIRECTORY_FILE: join(work, 'directory.json'),
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 500,
    LOG_LEVEL: 'warn',
  };
  services.push(
    await startService('meldeplikt-router', { ...workers, ROUTER_LOCK_MS: 2000 }),
    await startService('document-courier', { ...workers, COURIER_LOCK_MS: 2000 })
  );
}, 90000);

afterAll(async () => {
  for (const s of services.reverse()) await stopService(s);
  await new Promise<void>((r) => issuerServer?.close(() => r()));
  await new Promise<void>((r) => hmrServer?.close(() => r()));
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

const send = (as: keyof typeof ORG, body: string) =>
  fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${tokens[as]}` },
    body,
  });
type Status = { state: string; history: { state: string }[]; recipient?: { kommunenummer?: string; name?: string } };
const final = (as: keyof typeof ORG, id: string) =>
  eventually(
    async () => {
      const s = (await (
        await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${tokens[as]}` } })
      ).json()) as Status;
      return ['acknowledged', 'rejected', 'blocked', 'dead'].includes(s.state) ? s : undefined;
    },
    30000,
    `${id} final`
  );
async function search<T>(base: string, query: string): Promise<T[]> {
  return (((await (await fetch(`${base}/${query}`)).json()) as Bundle).entry ?? []).map((e) => e.resource as T);
}

test("services on the cluster start ready: each checked every primary's maxmemory-policy and answers /readyz", async () => {
  for (const s of services) expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
});

test('the example meldeplikt reaches Ålesund once and ends acknowledged by its receipt; posted twice, delivered once', async () => {
  expect((await send('hmr', fixture('meldeplikt'))).status).toBe(202);
  expect((await send('hmr', fixture('meldeplikt'))).status).toBe(200);
  const done = await final('hmr', '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
  expect(done.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'acknowledged']);
  expect(done.recipient?.kommunenummer).toBe('1508');
  const received = (await (await fetch(`${kommune.url}/_sim/received`)).json()) as { id: string; count: number }[];
  expect(received.filter((r) => r.id === '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01')).toEqual([
    expect.objectContaining({ count: 1 }),
  ]);
}, 60000);

test("the example plan copy lands in the hospital's EHR, and the example epikrise in Ålesund's, each acknowledged", async () => {
  expect((await send('alesund', fixture('ip-plan-copy'))).status).toBe(202);
  expect((await send('hmr', fixture('epikrise'))).status).toBe(202);
  expect((await final('alesund', '0d5e3b0c-7d6b-4f0e-8b5a-3c2d1e0f9a02')).state).toBe('acknowledged');
  expect(await final('hmr', '9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c03')).toMatchObject({
    state: 'acknowledged',
    recipient: { kommunenummer: '1508' },
  });
  const plans = await search<CarePlan>(
    `http://127.0.0.1:${(hmrServer.address() as { port: number }).port}`,
    'CarePlan'
  );
  expect(plans.map((p) => p.identifier?.[0].value)).toEqual(['IP-2026-0042']);
  const docs = await search<DocumentReference>(`${kommune.url}/kommune/1508/fhir`, 'DocumentReference');
  const sent = (JSON.parse(fixture('epikrise')).entry[1].resource as DocumentReference).content[0].attachment;
  expect(docs).toHaveLength(1);
  expect(
    Buffer.from(docs[0].content[0].attachment.data as string, 'base64').equals(
      Buffer.from(sent.data as string, 'base64')
    )
  ).toBe(true);
}, 60000);
