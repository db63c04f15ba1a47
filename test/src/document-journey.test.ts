import {
  epikrise,
  fritakOf,
  handover,
  planCopy,
  syntheticPerson,
} from '@ipbro/document-delivery/src/test-support/document-fixtures';
import { createFhirPeer, createTokenIssuer, receiptFor, type FhirPeer, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  Consent,
  DocumentReference,
  Goal,
  OperationOutcome,
} from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// The document journeys across real processes: a kommune's or the hospital's token → gateway →
// Redis/BullMQ → document-courier → the recipient's EHR (a real FHIR server: Medplum's FhirRouter
// with its MemoryRepository, validation on) or the kommune's koordinerende enhet (kommune-simulator,
// which also runs Ålesund's EHR) → receipts back through the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-e2e-doc-${randomUUID().slice(0, 8)}}`;
const work = mkdtempSync(join(tmpdir(), 'ipbro-e2e-doc-'));
const KEY = randomBytes(32).toString('base64');
const ORG = { hmr: '997005562', alesund: '942953119', molde: '944305823' };
let issuer: TokenIssuer;
let issuerServer: Server;
let gateway: Service;
let kommune: Service;
let courier: Service | undefined;
let hmrEhr: FhirPeer;
let hmrServer: Server;
let redis: Redis;
let directoryFile: string;
const tokens: Record<string, string> = {};

const startCourier = () =>
  startService('document-courier', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DIRECTORY_FILE: directoryFile,
    IPBRO_ENCRYPTION_KEY: KEY,
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 300,
    DELIVERY_TIMEOUT_MS: 20000,
    COURIER_LOCK_MS: 2000,
  });

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
  for (const [name, orgnr] of Object.entries(ORG))
    tokens[name] = await issuer.mint({
      orgnr,
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: `client-${name}`,
      expiresInSeconds: 3600,
    });
  gateway = await startService('gateway', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
    IPBRO_ENCRYPTION_KEY: KEY,
  });
  kommune = await startService('kommune-simulator', {
    SIM_BEHAVIOUR: 'later',
    SIM_LATER_MS: 200,
    SIM_GATEWAY_URL: gateway.url,
    SIM_TOKEN_URL: `${issuerUrl}/token`,
  });
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
  directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  courier = await startCourier();
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
  event: string;
  history: { state: string; detail?: string }[];
  recipient?: { orgnr?: string; kommunenummer?: string };
  receipt?: { code: string; detail?: string };
};
const send = (as: keyof typeof ORG, body: Bundle | string) =>
  fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${tokens[as]}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const status = async (as: keyof typeof ORG, id: string): Promise<Status> =>
  (
    await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${tokens[as]}` } })
  ).json() as Promise<Status>;
const until = (as: keyof typeof ORG, id: string, states: string[], ms = 20000) =>
  eventually(
    async () => {
      const s = await status(as, id);
      return states.includes(s.state) ? s : undefined;
    },
    ms,
    `${id} in ${states.join('|')}`
  );
const idOf = (b: Bundle) => (b.entry![0].resource as { id: string }).id;
const hmrBase = () => `http://127.0.0.1:${(hmrServer.address() as { port: number }).port}`;
async function search<T>(base: string, query: string): Promise<T[]> {
  return (((await (await fetch(`${base}/${query}`)).json()) as Bundle).entry ?? []).map((e) => e.resource as T);
}
const setBehaviour = (body: object) =>
  fetch(`${kommune.url}/_sim/behaviour`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

test(
  "the example plan copy lands at the hospital's EHR as readable CarePlan, CareTeam, Goals and " +
    'Consents linked as sent; again, and a newer version, leave one of each',
  async () => {
    const example = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8');
    expect((await send('alesund', example)).status).toBe(202);
    expect((await send('alesund', example)).status).toBe(200); // the same id: no second delivery
    const done = await until('alesund', '0d5e3b0c-7d6b-4f0e-8b5a-3c2d1e0f9a02', [
      'acknowledged',
      'blocked',
      'rejected',
      'dead',
    ]);
    expect(done.state).toBe('acknowledged');
    expect(done.recipient).toMatchObject({ name: 'Helse Møre og Romsdal HF' });
    const again = planCopy({ freshId: true });
    expect((await send('alesund', again)).status).toBe(202);
    await until('alesund', idOf(again), ['acknowledged']);
    const newer = planCopy({ freshId: true, timestamp: '2026-11-28T09:00:00+01:00' });
    (newer.entry![1].resource as CarePlan).description = 'Revidert etter ansvarsgruppemøte.';
    expect((await send('alesund', newer)).status).toBe(202);
    await until('alesund', idOf(newer), ['acknowledged']);
    const [plans, teams, goals, consents] = await Promise.all([
      search<CarePlan>(hmrBase(), 'CarePlan'),
      search<CareTeam>(hmrBase(), 'CareTeam'),
      search<Goal>(hmrBase(), 'Goal'),
      search<Consent>(hmrBase(), 'Consent'),
    ]);
    expect([plans.length, teams.length, goals.length, consents.length]).toEqual([1, 1, 2, 2]);
    expect(plans[0].description).toBe('Revidert etter ansvarsgruppemøte.');
    expect(plans[0].careTeam?.map((r) => r.reference)).toEqual([`CareTeam/${teams[0].id}`]);
    expect(plans[0].goal?.map((r) => r.reference).sort()).toEqual(goals.map((g) => `Goal/${g.id}`).sort());
    expect(plans[0].supportingInfo?.map((r) => r.reference).sort()).toEqual(
      consents.map((c) => `Consent/${c.id}`).sort()
    );
    expect(
      consents.find((c) => c.identifier?.[0].value === 'IP-2026-0042-consent-fritak')?.provision?.actor
    ).toHaveLength(2);
  },
  60000
);

test("a second, different plan for the same person is refused (409) with the existing plan's identifier; nothing queued", async () => {
  const other = planCopy({ freshId: true, planValue: 'IP-2026-0043' });
  const res = await send('alesund', other);
  expect(res.status).toBe(409);
  const outcome = (await res.json()) as OperationOutcome;
  expect(outcome.issue?.[0]).toMatchObject({ code: 'conflict', diagnostics: expect.stringContaining('IP-2026-0042') });
  expect(outcome.issue?.[0].expression).toEqual(['Bundle.entry[1].resource.identifier']);
  expect(
    (await fetch(`${gateway.url}/messages/${idOf(other)}`, { headers: { Authorization: `Bearer ${tokens.alesund}` } }))
      .status
  ).toBe(404);
});

test('the example plan copy to an organisation the Consent does not name ends blocked, and the recipient receives nothing', async () => {
  const b = planCopy({ freshId: true, to: ORG.molde });
  expect((await send('alesund', b)).status).toBe(202);
  const s = await until('alesund', idOf(b), ['blocked', 'acknowledged', 'delivered', 'rejected', 'dead']);
  expect(s.state).toBe('blocked');
  expect(s.history.at(-1)?.detail).toBe('consent: no taushetsplikt-fritak names Molde kommune (orgnr 944305823)');
  const got = (await (await fetch(`${kommune.url}/_sim/received?kommune=1506`)).json()) as unknown[];
  expect(got).toEqual([]);
});

test('consent withdrawn while the message waits (the receiver down): blocked when it comes back, nothing written', async () => {
  const person = syntheticPerson();
  hmrEhr.down = true;
  const waiting = planCopy({ freshId: true, person, planValue: 'IP-2026-0800' });
  expect((await send('alesund', waiting)).status).toBe(202);
  await until('alesund', idOf(waiting), ['retrying']);
  const withdrawal = planCopy({
    freshId: true,
    person,
    planValue: 'IP-2026-0800',
    timestamp: '2026-11-29T09:00:00+01:00',
  });
  fritakOf(withdrawal).status = 'inactive';
  expect((await send('alesund', withdrawal)).status).toBe(202);
  await until('alesund', idOf(withdrawal), ['blocked']);
  hmrEhr.down = false;
  const s = await until('alesund', idOf(waiting), ['blocked', 'acknowledged']);
  expect(s.state).toBe('blocked');
  expect(s.history.at(-1)?.detail).toMatch(/IP-2026-0042-consent-fritak .*is inactive/);
  expect(
    await search<CarePlan>(
      hmrBase(),
      `CarePlan?identifier=${encodeURIComponent('http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0800')}`
    )
  ).toHaveLength(0);
}, 60000);

test("the example epikrise reaches the home kommune's EHR with its attachment byte for byte", async () => {
  const example = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'epikrise.json'), 'utf8');
  expect((await send('hmr', example)).status).toBe(202);
  const s = await until('hmr', '9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c03', ['acknowledged', 'blocked', 'rejected', 'dead']);
  expect(s).toMatchObject({ state: 'acknowledged', recipient: { kommunenummer: '1508', name: 'Ålesund kommune' } });
  const docs = await search<DocumentReference>(`${kommune.url}/kommune/1508/fhir`, 'DocumentReference');
  expect(docs).toHaveLength(1);
  const sent = (JSON.parse(example).entry[1].resource as DocumentReference).content[0].attachment;
  const got = docs[0].content[0].attachment;
  expect(Buffer.from(got.data as string, 'base64').equals(Buffer.from(sent.data as string, 'base64'))).toBe(true);
  expect(got.contentType).toBe('application/pdf');
  expect(epikrise().entry).toHaveLength(5);
}, 30000);

test(
  "a handover is pending on both sides until the kommune's koordinerende enhet answers: acknowledged " +
    "by its receipt, or rejected with the receipt's reason",
  async () => {
    await setBehaviour({ kommune: '1508', sequence: ['later'], laterMs: 300 });
    const ok = handover({ person: syntheticPerson() });
    expect((await send('hmr', ok)).status).toBe(202);
    const done = await until('hmr', idOf(ok), ['acknowledged', 'rejected', 'blocked', 'dead']);
    expect(done.state).toBe('acknowledged');
    expect(done.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'acknowledged']);

    await setBehaviour({ kommune: '1508', sequence: ['202'] }); // takes it, answers later (here: by hand)
    const no = handover({ person: syntheticPerson() });
    expect((await send('hmr', no)).status).toBe(202);
    await until('hmr', idOf(no), ['delivered']);
    expect((await status('alesund', idOf(no))).state).toBe('delivered'); // the kommune sees it pending too
    const receipt = receiptFor(idOf(no), 'fatal-error', '1508', ORG.alesund, 'koordinator-handover');
    expect((await send('alesund', JSON.stringify(receipt))).status).toBe(200);
    const rejected = await until('hmr', idOf(no), ['rejected']);
    expect(rejected.history.at(-1)?.detail).toContain('E35 pasienten er ukjent hos mottaker');
    expect(rejected.receipt).toMatchObject({ code: 'fatal-error', detail: expect.stringContaining('E35') });
    await setBehaviour({ kommune: '1508', sequence: ['later'], laterMs: 200 });
  },
  60000
);

test(
  'a revision date in the past produces exactly one reminder, scheduled while the courier was ' +
    'down and sent when it is back',
  async () => {
    await setBehaviour({ kommune: '1508', sequence: ['ok'] });
    await stopService(courier);
    const person = syntheticPerson();
    const past = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const first = planCopy({ freshId: true, person, planValue: 'IP-2026-0900', revision: past });
    const second = planCopy({
      freshId: true,
      person,
      planValue: 'IP-2026-0900',
      revision: past,
      timestamp: '2026-11-29T09:00:00+01:00',
    });
    for (const b of [first, second]) expect((await send('alesund', b)).status).toBe(202);
    courier = await startCourier();
    const reminders = async () =>
      (
        (await (await fetch(`${kommune.url}/_sim/received?kommune=1508`)).json()) as {
          id: string;
          event: string;
          count: number;
        }[]
      ).filter((r) => r.event === 'revision-reminder');
    await eventually(async () => ((await reminders()).length ? true : undefined), 20000, 'a reminder');
    await until('alesund', idOf(second), ['acknowledged']);
    await new Promise((r) => setTimeout(r, 500)); // room for a wrongful second one
    const got = await reminders();
    expect(got).toEqual([expect.objectContaining({ count: 1 })]);
    const record = JSON.parse((await redis.get(`${prefix}:msg:ipbro:${got[0].id}`)) as string);
    expect(record).toMatchObject({
      event: 'revision-reminder',
      state: 'acknowledged',
      recipient: { orgnr: ORG.alesund },
    });
    await setBehaviour({ kommune: '1508', sequence: ['later'], laterMs: 200 });
  },
  60000
);
