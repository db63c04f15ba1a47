import { planCopy, syntheticPerson } from '@ipbro/document-delivery/src/test-support/document-fixtures';
import { byIdentifier, ownPlan, planKeyOf } from '@ipbro/document-delivery/src/test-support/plan-replacement-fixtures';
import { replacedPlanNoticeId } from '@ipbro/document-delivery';
import { deliverTransactions, planTransactions } from '@ipbro/fhir-rest-delivery';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createFhirPeer, createTokenIssuer, type FhirPeer, type TokenIssuer } from '@ipbro/simulated-peers';
import type { Bundle, CarePlan, OperationOutcome } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// A plan over its life, across real processes: the kommuner's tokens → gateway → Redis/BullMQ →
// document-courier → the hospital's EHR (Medplum's FhirRouter over its MemoryRepository, validation
// on) and Ålesund's EHR (kommune-simulator). The directory is the contract's: no maxTransactionEntries
// anywhere, so the courier learns what each FHIR server takes.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-e2e-plan-${randomUUID().slice(0, 8)}}`;
const work = mkdtempSync(join(tmpdir(), 'ipbro-e2e-plan-'));
const KEY = randomBytes(32).toString('base64');
const ORG = { hmr: '997005562', alesund: '942953119', molde: '944305823' };
const TYPES = ['CarePlan', 'CareTeam', 'Goal', 'Consent', 'Patient', 'Practitioner', 'RelatedPerson', 'Organization'];
let issuer: TokenIssuer;
let issuerServer: Server;
let gateway: Service;
let kommune: Service;
let courier: Service;
let hmrEhr: FhirPeer;
let hmrServer: Server;
let redis: Redis;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  issuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: Object.values(ORG).map((o) => ({
      clientId: `kommune-${o}`,
      orgnr: o,
      scopes: ['ipbro:message.write', 'ipbro:message.read'],
    })),
  });
  await new Promise<void>((resolve) => {
    issuerServer = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve());
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  for (const [name, orgnr] of Object.entries(ORG)) {
    tokens[name] = await issuer.mint({
      orgnr,
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: `client-${name}`,
      expiresInSeconds: 3600,
    });
  }
  hmrEhr = createFhirPeer();
  hmrServer = await new Promise<Server>((resolve) => {
    const s = hmrEhr.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const kommunePort = await freePort();
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner) {
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${kommunePort}`);
    if (k.ehr) k.ehr = { fhirBase: k.ehr.fhirBase.replace(':4101', `:${kommunePort}`), delivery: 'fhir-rest' };
  }
  directory.helseforetak[0].ehr = { fhirBase: hmrBase(), delivery: 'fhir-rest' };
  expect(JSON.stringify(directory)).not.toContain('maxTransactionEntries');
  const directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  gateway = await startService('gateway', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
    IPBRO_ENCRYPTION_KEY: KEY,
    DIRECTORY_FILE: directoryFile,
  });
  kommune = await startService(
    'kommune-simulator',
    { SIM_BEHAVIOUR: 'later', SIM_LATER_MS: 200, SIM_GATEWAY_URL: gateway.url, SIM_TOKEN_URL: `${issuerUrl}/token` },
    kommunePort
  );
  courier = await startService('document-courier', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DIRECTORY_FILE: directoryFile,
    IPBRO_ENCRYPTION_KEY: KEY,
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 300,
    DELIVERY_TIMEOUT_MS: 20000,
    COURIER_LOCK_MS: 2000,
  });
}, 60000);

afterAll(async () => {
  await stopService(courier);
  await stopService(kommune);
  await stopService(gateway);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await new Promise<void>((r) => hmrServer.close(() => r()));
  await removeTestData(redis, prefix);
});

type Status = {
  id: string;
  state: string;
  history: { state: string; detail?: string }[];
  recipient?: { orgnr?: string; name?: string };
};
function hmrBase(): string {
  return `http://127.0.0.1:${(hmrServer.address() as { port: number }).port}`;
}
const alesundEhr = () => `${kommune.url}/kommune/1508/fhir`;
const send = (as: keyof typeof ORG, body: Bundle | string) =>
  fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${tokens[as]}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const statusOf = (as: keyof typeof ORG, id: string) =>
  fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${tokens[as]}` } });
const until = (as: keyof typeof ORG, id: string, states: string[], ms = 20000) =>
  eventually(
    async () => {
      const s = (await (await statusOf(as, id)).json()) as Status;
      return states.includes(s.state) ? s : undefined;
    },
    ms,
    `${id} in ${states.join('|')}`
  );
const FINAL = ['acknowledged', 'blocked', 'rejected', 'dead', 'unroutable'];
const idOf = (b: Bundle) => (b.entry![0].resource as { id: string }).id;
async function search<T>(base: string, query: string): Promise<T[]> {
  return (((await (await fetch(`${base}/${query}`)).json()) as Bundle).entry ?? []).map((e) => e.resource as T);
}
async function counts(base: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of TYPES) out[type] = (await search(base, type)).length;
  return out;
}
const planAt = (base: string, b: Bundle) =>
  search<CarePlan>(base, `CarePlan?identifier=${encodeURIComponent(planKeyOf(b))}`);

test(
  "the contract's plan copy reaches a Medplum FhirRouter with the contract's directory: the size learned " +
    '(2 transactions); a second delivery duplicates nothing',
  async () => {
    const example = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8');
    expect((await send('alesund', example)).status).toBe(202);
    const first = await until('alesund', '0d5e3b0c-7d6b-4f0e-8b5a-3c2d1e0f9a02', FINAL);
    expect(first.state).toBe('acknowledged');
    // The plan's 11 resources and the DocumentReference of its PDF (plan-document).
    expect(first.history.at(-1)?.detail).toMatch(/: 12 resources in 2 transactions$/);
    // Refused whole (strict isolation past 8 entries), the CapabilityStatement read, then 8 + 4.
    expect(hmrEhr.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /',
      'GET /metadata',
      'POST /',
      'POST /',
    ]);
    const seen = hmrEhr.requests.length;
    const once = await counts(hmrBase());
    expect(once).toEqual({
      CarePlan: 1,
      CareTeam: 1,
      Goal: 2,
      Consent: 2,
      Patient: 1,
      Practitioner: 1,
      RelatedPerson: 1,
      Organization: 2,
    });
    const again = planCopy({ freshId: true });
    expect((await send('alesund', again)).status).toBe(202);
    expect((await until('alesund', idOf(again), FINAL)).state).toBe('acknowledged');
    // The size is known now: two transactions at once (the test's own reads left out).
    expect(
      hmrEhr.requests
        .slice(seen)
        .filter((r) => r.method !== 'GET')
        .map((r) => `${r.method} ${r.path}`)
    ).toEqual(['POST /', 'POST /']);
    expect(hmrEhr.requests.slice(seen).some((r) => r.path === '/metadata')).toBe(false);
    expect(await counts(hmrBase())).toEqual(once);
    expect(await search(hmrBase(), 'DocumentReference')).toHaveLength(1);
  },
  60000
);

test(
  "the person moves to Molde: a plain new plan is 409 naming Ålesund's; replaces without identifier 422; " +
    "naming it, 202, delivered, and Ålesund's plan is revoked",
  async () => {
    const person = syntheticPerson();
    const old = ownPlan({ person, planValue: 'IP-2026-0900' });
    expect((await send('alesund', old)).status).toBe(202);
    expect((await until('alesund', idOf(old), FINAL)).state).toBe('acknowledged');
    // Ålesund keeps its own plan in its EHR.
    expect(
      await deliverTransactions(alesundEhr(), planTransactions(old), { messageId: 'seed', timeoutMs: 5000 })
    ).toMatchObject({ kind: 'written' });

    const plain = ownPlan({
      person,
      planValue: 'IP-2026-0901',
      owner: 'molde',
      timestamp: '2026-11-25T10:00:00+01:00',
    });
    const refused = await send('molde', plain);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as OperationOutcome).issue?.[0]).toMatchObject({
      code: 'conflict',
      diagnostics: expect.stringContaining('IP-2026-0900'),
      expression: ['Bundle.entry[1].resource.identifier'],
    });
    expect((await statusOf('molde', idOf(plain))).status).toBe(404);

    const unnamed = ownPlan({
      person,
      planValue: 'IP-2026-0901',
      owner: 'molde',
      replaces: [{ reference: 'CarePlan/123' }],
      timestamp: '2026-11-25T10:00:00+01:00',
    });
    const invalid = await send('molde', unnamed);
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as OperationOutcome).issue?.[0].expression).toEqual([
      'Bundle.entry[1].resource.replaces[0].identifier',
    ]);
    expect((await statusOf('molde', idOf(unnamed))).status).toBe(404);

    const replacing = ownPlan({
      person,
      planValue: 'IP-2026-0901',
      owner: 'molde',
      replaces: [byIdentifier(old)],
      timestamp: '2026-11-25T10:00:00+01:00',
    });
    expect((await send('molde', replacing)).status).toBe(202);
    expect((await until('molde', idOf(replacing), FINAL)).state).toBe('acknowledged');
    expect(await planAt(hmrBase(), replacing)).toEqual([
      expect.objectContaining({
        status: 'active',
        replaces: [expect.objectContaining({ identifier: expect.objectContaining({ value: 'IP-2026-0900' }) })],
      }),
    ]);
    // The notice, under Molde's name: acknowledged by Ålesund's EHR, where the plan is now revoked and otherwise as it was.
    const notice = await until('molde', replacedPlanNoticeId(planKeyOf(replacing), planKeyOf(old)), FINAL);
    expect(notice).toMatchObject({
      state: 'acknowledged',
      recipient: { kommunenummer: '1508', name: 'Ålesund kommune' },
    });
    const [kept] = await planAt(alesundEhr(), old);
    expect(kept).toMatchObject({ status: 'revoked', title: (old.entry![1].resource as CarePlan).title });
    expect(kept.goal).toHaveLength(2);
    expect(await planAt(alesundEhr(), old)).toHaveLength(1);
  },
  90000
);

test("a plan completed or revoked frees the person: Molde's new plan, without replaces, is accepted and delivered", async () => {
  for (const [i, ended] of (['completed', 'revoked'] as const).entries()) {
    const person = syntheticPerson();
    const old = ownPlan({ person, planValue: `IP-2026-091${i}` });
    expect((await send('alesund', old)).status).toBe(202);
    // Written before its ending is sent: two versions of a plan in flight at once may reach the EHR in either order.
    expect((await until('alesund', idOf(old), FINAL)).state).toBe('acknowledged');
    const over = ownPlan({
      person,
      planValue: `IP-2026-091${i}`,
      status: ended,
      timestamp: '2026-11-26T10:00:00+01:00',
    });
    expect((await send('alesund', over)).status).toBe(202);
    const next = ownPlan({
      person,
      planValue: `IP-2026-092${i}`,
      owner: 'molde',
      timestamp: '2026-11-27T10:00:00+01:00',
    });
    expect((await send('molde', next)).status).toBe(202);
    expect((await until('molde', idOf(next), FINAL)).state).toBe('acknowledged');
    expect((await until('alesund', idOf(over), FINAL)).state).toBe('acknowledged');
    expect(await planAt(hmrBase(), over)).toEqual([expect.objectContaining({ status: ended })]);
    expect(await planAt(hmrBase(), next)).toEqual([expect.objectContaining({ status: 'active' })]);
    // nothing replaced, nobody told
    expect((await statusOf('molde', replacedPlanNoticeId(planKeyOf(next), planKeyOf(old)))).status).toBe(404);
  }
}, 90000);

test(
  'the old owner without an EHR in the directory (Molde) gets the notice at its koordinerende enhet, once, ' +
    'and its receipt acknowledges it',
  async () => {
    const person = syntheticPerson();
    const old = ownPlan({ person, planValue: 'IP-2026-0930', owner: 'molde' });
    expect((await send('molde', old)).status).toBe(202);
    expect((await until('molde', idOf(old), FINAL)).state).toBe('acknowledged');
    const replacing = ownPlan({
      person,
      planValue: 'IP-2026-0931',
      replaces: [byIdentifier(old)],
      timestamp: '2026-11-28T10:00:00+01:00',
    });
    expect((await send('alesund', replacing)).status).toBe(202);
    const id = replacedPlanNoticeId(planKeyOf(replacing), planKeyOf(old));
    const notice = await until('alesund', id, FINAL);
    expect(notice).toMatchObject({
      state: 'acknowledged',
      recipient: { kommunenummer: '1506', name: 'Molde kommune' },
    });
    type Received = { id: string; event: string; count: number };
    const got = ((await (await fetch(`${kommune.url}/_sim/received?kommune=1506`)).json()) as Received[]).filter(
      (r) => r.id === id
    );
    expect(got).toEqual([expect.objectContaining({ event: 'ip-plan-copy', count: 1 })]);
  },
  60000
);
