import { Directory } from '@ipbro/directory';
import { documentIntakeCheck, REMINDER_QUEUE } from '@ipbro/document-delivery';
import {
  epikrise,
  fritakOf,
  handover,
  planCopy,
  syntheticPerson,
} from '@ipbro/document-delivery/src/test-support/document-fixtures';
import { readMessage } from '@ipbro/fhir-message';
import { createFhirPeer, createKommuneSimulator, type FhirPeer } from '@ipbro/simulated-peers';
import { ledgerKey, type MessageRecord } from '@ipbro/message-ledger';
import { patientKeyer } from '@ipbro/plan-index';
import { createQueue, deliveryJobData, QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createLogger } from '@ipbro/service-kit';
import { pdfText, readPdf } from '@ipbro/plan-document/src/test-support/pdf-text';
import type { Bundle, CarePlan, CareTeam, Consent, DocumentReference, Goal, Patient } from '@medplum/fhirtypes';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startDocumentCourier, type DocumentCourier } from './courier';

// The courier in-process against real Redis (its own prefix), a real kommune-simulator (koordinerende
// enheter, and Ålesund's EHR as a real FHIR server) and a real FHIR server as the hospital's EHR.
// The test writes the ledger and the queue itself, standing in for the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const prefix = `{ipbro-courier-${randomUUID().slice(0, 8)}}`;
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const patientKey = patientKeyer(randomBytes(32));

let redis: Redis;
let worker: Redis;
let sim: ReturnType<typeof createKommuneSimulator>;
let simServer: Server;
let hmr: FhirPeer;
let hmrServer: Server;
let courier: DocumentCourier;
let check: ReturnType<typeof documentIntakeCheck>;
let courierDirectory: Directory;
let directoryFile: string;

const listen = (app: { listen: (p: number, h: string, cb: () => void) => Server }) =>
  new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
const port = (s: Server) => (s.address() as { port: number }).port;
/** The gateway's intake check for documents to `c` (its plan index, consents and reminders). */
const intakeCheckFor = (c: DocumentCourier) =>
  documentIntakeCheck({ planIndex: c.planIndex, consents: c.consents, patientKey, reminders: c.reminders });

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  worker = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  sim = createKommuneSimulator({ logger: quiet });
  simServer = await listen(sim.app);
  hmr = createFhirPeer();
  hmrServer = await listen(hmr.app);
  const d = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of d.kommuner) {
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${port(simServer)}`);
    if (k.ehr) k.ehr.fhirBase = k.ehr.fhirBase.replace(':4101', `:${port(simServer)}`);
  }
  d.helseforetak[0].ehr = {
    fhirBase: `http://127.0.0.1:${port(hmrServer)}`,
    delivery: 'fhir-rest',
    maxTransactionEntries: 8,
  };
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-courier-')), 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(d));
  courierDirectory = Directory.fromFile(directoryFile, { pollMs: 100 });
  courier = startDocumentCourier({
    producer: redis,
    workerConnection: worker,
    directory: courierDirectory,
    logger: quiet,
    prefix,
    patientKey,
    delivery: { firstDelayMs: 50, ceilingMs: 200, attempts: 200, timeoutMs: 5000 },
  });
  check = intakeCheckFor(courier);
});

afterAll(async () => {
  await courier.close();
  courierDirectory.close();
  sim.close();
  simServer.closeAllConnections();
  await new Promise((r) => simServer.close(r));
  hmrServer.closeAllConnections();
  await new Promise((r) => hmrServer.close(r));
  for (const name of [QUEUES.documents, REMINDER_QUEUE]) {
    const q = new Queue(name, { connection: redis, prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  worker.disconnect();
});

beforeEach(() => {
  sim.reset();
  hmr.reset();
});

/** A courier under test, with its prefix and the gateway's intake check for it. */
interface CourierUnderTest {
  courier: DocumentCourier;
  prefix: string;
  check: ReturnType<typeof documentIntakeCheck>;
}
const main = (): CourierUnderTest => ({ courier, prefix, check });

/** Stands in for the gateway: the intake checks, then the ledger and the queue. */
async function accept(bundle: Bundle, to: CourierUnderTest = main()): Promise<string> {
  const view = readMessage(bundle);
  await to.check(view);
  const sender = view.senderIds.orgnr as string;
  const id = view.messageId as string;
  const key = ledgerKey(sender, id);
  const queue = createQueue(QUEUES.documents, redis, { firstDelayMs: 50, ceilingMs: 200, attempts: 200 }, to.prefix);
  await to.courier.ledger.accept({
    sender,
    id,
    event: view.event as string,
    body: JSON.stringify(bundle),
    enqueue: async (jobId) => {
      await queue.add(
        view.event as string,
        deliveryJobData({ key, messageId: id, sender, event: view.event as string }),
        { jobId }
      );
    },
  });
  await queue.close();
  return key;
}
async function until(key: string, states: string[], ms = 15000, of: DocumentCourier = courier): Promise<MessageRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await of.ledger.get(key);
    if (r && states.includes(r.state)) return r;
    if (Date.now() > end)
      throw new Error(`${key} is ${r?.state} (${JSON.stringify(r?.history)}), expected ${states.join('|')}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}
/** How the message's job ended (completed or failed), waiting for it to end: the ledger moves before the job is settled. */
async function finishedJobOf(key: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const jobs = await courier.queue.getJobs(['completed', 'failed']);
    const job = jobs.find((j) => j?.data.key === key);
    if (job) return job.getState();
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`the job of ${key} did not end`);
}
async function read<T>(base: string, query: string): Promise<T[]> {
  const b = (await (await fetch(`${base}/${query}`)).json()) as Bundle;
  return (b.entry ?? []).map((e) => e.resource as T);
}
const hmrBase = () => `http://127.0.0.1:${port(hmrServer)}`;

test(
  "the example plan copy lands at the hospital's FHIR server as a CarePlan linked to its CareTeam, " +
    'Goals and Consents; again, and a newer version: one of each',
  async () => {
    const first = await until(await accept(planCopy()), ['acknowledged', 'blocked', 'rejected', 'dead']);
    expect(first.state).toBe('acknowledged');
    expect(first.recipient).toMatchObject({ orgnr: '997005562', name: 'Helse Møre og Romsdal HF' });
    // The plan's 11 resources and the DocumentReference of its PDF.
    expect(first.history.at(-1)?.detail).toMatch(/12 resources in 2 transactions/);
    await until(await accept(planCopy({ freshId: true })), ['acknowledged']);
    const newer = planCopy({ freshId: true, timestamp: '2026-11-28T12:00:00+01:00' });
    (newer.entry![1].resource as CarePlan).title = 'Individuell plan for Ola Nordmann, revidert';
    await until(await accept(newer), ['acknowledged']);
    const [plans, teams, goals, consents, patients] = await Promise.all([
      read<CarePlan>(hmrBase(), 'CarePlan'),
      read<CareTeam>(hmrBase(), 'CareTeam'),
      read<Goal>(hmrBase(), 'Goal'),
      read<Consent>(hmrBase(), 'Consent'),
      read(hmrBase(), 'Patient'),
    ]);
    expect([plans.length, teams.length, goals.length, consents.length, patients.length]).toEqual([1, 1, 2, 2, 1]);
    expect(plans[0].title).toBe('Individuell plan for Ola Nordmann, revidert');
    expect(plans[0].careTeam?.[0].reference).toBe(`CareTeam/${teams[0].id}`);
    expect(plans[0].goal?.map((g) => g.reference).sort()).toEqual(goals.map((g) => `Goal/${g.id}`).sort());
    expect(plans[0].supportingInfo?.map((g) => g.reference).sort()).toEqual(
      consents.map((g) => `Consent/${g.id}`).sort()
    );
  }
);

test(
  'the plan lands as a document a person reads: two deliveries of the same plan leave one DocumentReference ' +
    'with its PDF; a narrative',
  async () => {
    const person = syntheticPerson();
    for (const timestamp of ['2026-11-21T12:00:00+01:00', '2026-11-22T12:00:00+01:00']) {
      const done = await until(await accept(planCopy({ freshId: true, person, timestamp })), [
        'acknowledged',
        'blocked',
        'rejected',
        'dead',
      ]);
      expect(done.state).toBe('acknowledged');
    }
    const [docs, plans, patients] = await Promise.all([
      read<DocumentReference>(hmrBase(), 'DocumentReference'),
      read<CarePlan>(hmrBase(), 'CarePlan'),
      read<Patient>(hmrBase(), 'Patient'),
    ]);
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(doc.type?.coding?.[0]).toEqual({
      system: 'urn:oid:2.16.578.1.12.4.1.1.9602',
      code: 'A02-2',
      display: 'Individuell plan',
    });
    expect(doc.identifier?.[0].value).toMatch(/^IP-2026-0042-pdf-/);
    expect(doc.subject?.reference).toBe(`Patient/${patients[0].id}`);
    expect(doc.context?.related).toEqual([{ reference: `CarePlan/${plans[0].id}` }]);
    // The second delivery's copy replaced the first's: the same document, dated by the later message.
    expect(doc.date).toBe('2026-11-22T12:00:00+01:00');
    const text = pdfText(readPdf(Buffer.from(doc.content[0].attachment.data as string, 'base64')));
    for (const said of [
      'c) Koordinator',
      'i) Samarbeid',
      'Ola Nordmann',
      person,
      'Per Hansen',
      '22.11.2026 kl. 12.00',
    ]) {
      expect(text).toContain(said);
    }
    expect(plans[0].text?.status).toBe('generated');
    expect(plans[0].text?.div).toContain('<h2>c) Koordinator</h2>');
  }
);

test('a plan copy to an organisation the fritak does not name ends blocked with the reason, and nothing leaves', async () => {
  const r = await until(await accept(planCopy({ freshId: true, to: '944305823' })), [
    'acknowledged',
    'blocked',
    'delivered',
    'rejected',
    'dead',
  ]);
  expect(r.state).toBe('blocked');
  expect(r.history.at(-1)?.detail).toBe('consent: no taushetsplikt-fritak names Molde kommune (orgnr 944305823)');
  expect(r.attempts).toBe(0);
  expect([...sim.received.values()]).toEqual([]);
  // A correct outcome: its job completes, so bull-board and the failed count never show it.
  expect(await finishedJobOf(r.key)).toBe('completed');
  expect(await courier.queue.getJobCountByTypes('waiting', 'active', 'delayed')).toBe(0);
});

test(
  "consent withdrawn while the message waits (the hospital's server down): blocked when it comes " +
    'back, and nothing was written',
  async () => {
    const person = syntheticPerson();
    hmr.down = true;
    const key = await accept(planCopy({ freshId: true, person, planValue: 'IP-2026-0500' }));
    await until(key, ['retrying']);
    const withdrawal = planCopy({
      freshId: true,
      person,
      planValue: 'IP-2026-0500',
      timestamp: '2026-11-29T12:00:00+01:00',
    });
    fritakOf(withdrawal).status = 'inactive';
    const withdrawalKey = await accept(withdrawal);
    expect((await until(withdrawalKey, ['blocked'])).history.at(-1)?.detail).toMatch(/is inactive, not active/);
    hmr.down = false;
    const r = await until(key, ['blocked', 'acknowledged']);
    expect(r.state).toBe('blocked');
    expect(r.history.map((h) => h.state)).toContain('retrying');
    expect(await read(hmrBase(), 'CarePlan')).toHaveLength(0);
  }
);

test("the example epikrise reaches Ålesund's EHR with its attachment byte for byte; one carrying a 20 MB PDF too", async () => {
  const r = await until(await accept(epikrise()), ['acknowledged', 'blocked', 'rejected', 'dead']);
  expect(r.state).toBe('acknowledged');
  expect(r.recipient).toMatchObject({ kommunenummer: '1508', orgnr: '942953119' });
  const base = `http://127.0.0.1:${port(simServer)}/kommune/1508/fhir`;
  const sent = (epikrise().entry![1].resource as DocumentReference).content[0].attachment.data as string;
  const [doc] = await read<DocumentReference>(base, 'DocumentReference');
  expect(Buffer.from(doc.content[0].attachment.data as string, 'base64').equals(Buffer.from(sent, 'base64'))).toBe(
    true
  );
  expect(doc.subject?.reference).toMatch(/^Patient\//);

  // A 20 MB PDF is a 27 MB message in base64: what the gateway's 32 MB body limit lets through.
  const big = randomBytes(20 * 1024 * 1024);
  const large = epikrise({ freshId: true, attachment: big, documentValue: 'EPI-LARGE-1' });
  const done = await until(await accept(large), ['acknowledged', 'rejected', 'dead'], 60000);
  expect(done.history.at(-1)?.detail).toMatch(/written to Ålesund kommune/);
  expect(done.history.at(-1)?.detail).toMatch(/1 document as Binary/);
  const stored = (
    await read<DocumentReference>(
      base,
      `DocumentReference?identifier=${encodeURIComponent('http://ipbro.no/fhir/sid/org/997005562/dok|EPI-LARGE-1')}`
    )
  )[0];
  const back = Buffer.from(await (await fetch(`${base}/${stored.content[0].attachment.url}`)).arrayBuffer());
  expect(back.equals(big)).toBe(true);
}, 90000);

test('a Consent that denies the recipient blocks an epikrise to it', async () => {
  const person = syntheticPerson();
  const deny = planCopy({ freshId: true, person, planValue: 'IP-2026-0600' });
  const fritak = fritakOf(deny);
  fritak.provision!.type = 'deny';
  fritak.provision!.actor!.push({
    role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
    reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' } },
  });
  expect((await until(await accept(deny), ['blocked'])).state).toBe('blocked');
  const r = await until(await accept(epikrise({ freshId: true, person })), ['acknowledged', 'blocked']);
  expect(r.state).toBe('blocked');
  expect(r.history.at(-1)?.detail).toMatch(/denies Ålesund kommune/);
  expect(await read(`http://127.0.0.1:${port(simServer)}/kommune/1508/fhir`, 'DocumentReference')).toHaveLength(0);
});

test(
  "a handover goes to the kommune's koordinerende enhet: acknowledged by its receipt, or rejected " +
    "with the receipt's reason",
  async () => {
    const ok = await until(await accept(handover({ person: syntheticPerson() })), [
      'acknowledged',
      'rejected',
      'blocked',
      'dead',
    ]);
    expect(ok.state).toBe('acknowledged');
    expect(ok.recipient).toMatchObject({ kommunenummer: '1508', herId: '8110021' });
    expect([...sim.received.values()].map((r) => r.event)).toEqual(['koordinator-handover']);
    sim.setBehaviour({ sequence: ['fatal-error'] }, '1508');
    const no = await until(await accept(handover({ person: syntheticPerson() })), [
      'acknowledged',
      'rejected',
      'blocked',
      'dead',
    ]);
    expect(no.state).toBe('rejected');
    expect(no.history.at(-1)?.detail).toMatch(/receipt fatal-error/);
  }
);

test(
  "a revision date in the past gives exactly one reminder to the koordinator's koordinerende " +
    'enhet, however often the plan is sent',
  async () => {
    const person = syntheticPerson();
    const past = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    for (let i = 0; i < 3; i++)
      await accept(planCopy({ freshId: true, person, planValue: 'IP-2026-0700', revision: past }));
    const end = Date.now() + 10000;
    while (![...sim.received.values()].some((r) => r.event === 'revision-reminder') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // time for a wrongful second one
    const reminders = [...sim.received.values()].filter((r) => r.event === 'revision-reminder');
    expect(reminders).toEqual([expect.objectContaining({ kommune: '1508', count: 1 })]);
    const record = await courier.ledger.get(`ipbro:${reminders[0].id}`);
    expect(record).toMatchObject({
      event: 'revision-reminder',
      state: 'acknowledged',
      recipient: { orgnr: '942953119' },
    });
    expect((await courier.planIndex.get(patientKey(person)))?.nextRevision).toBe(past);
  }
);

test('an epikrise for a kommune the directory does not know waits unroutable, and goes when the directory learns it', async () => {
  const d = JSON.parse(JSON.stringify(courierDirectory.snapshot()));
  const b = epikrise({ freshId: true, person: syntheticPerson() });
  const patient = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as unknown as {
    address: { _district: { extension: { valueCoding: { code: string } }[] } }[];
  };
  patient.address[0]._district.extension[0].valueCoding.code = '1577'; // Volda: not in the directory
  const key = await accept(b);
  expect((await until(key, ['unroutable'])).history.at(-1)?.detail).toBe(
    'no koordinerende enhet known for kommune 1577'
  );
  expect(await courier.redriveUnroutable()).toBe(0);
  d.kommuner.push({
    kommunenummer: '1577',
    name: 'Volda kommune',
    orgnr: '939760946',
    koordinerendeEnhet: { endpoint: `http://127.0.0.1:${port(simServer)}/kommune/1577/ke`, delivery: 'fhir-message' },
  });
  writeFileSync(directoryFile, JSON.stringify(d)); // the directory reloads and the courier re-drives
  const r = await until(key, ['acknowledged', 'delivered'], 15000);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'unroutable', 'queued', 'acknowledged']);
});

test(
  'a slow FHIR server: the deliveries to it beyond deferAfterMs go back to the queue, so a document ' +
    'to a kommune does not wait behind them',
  async () => {
    // A second courier, on its own prefix: three deliveries in progress, one exchange at a time with a recipient.
    const slowPrefix = `{ipbro-courier-slow-${randomUUID().slice(0, 8)}}`;
    const producer = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const registry = new (await import('prom-client')).Registry();
    const slow = startDocumentCourier({
      producer,
      workerConnection,
      directory: courierDirectory,
      logger: quiet,
      prefix: slowPrefix,
      patientKey,
      registry,
      delivery: { firstDelayMs: 50, ceilingMs: 200, attempts: 200, timeoutMs: 5000 },
      concurrency: 3,
      concurrencyPerRecipient: 1,
      deferAfterMs: 300,
    });
    const to: CourierUnderTest = { courier: slow, prefix: slowPrefix, check: intakeCheckFor(slow) };
    // The hospital's FHIR server answers each request after 400 ms: a plan copy (two transactions) takes about 0.8 s.
    hmr.holdMs = 400;
    try {
      const toHospital: string[] = [];
      for (let i = 0; i < 5; i++) toHospital.push(await accept(planCopy({ freshId: true }), to));
      for (let i = 0; i < 100 && (await slow.queue.getJobCountByTypes('active')) < 3; i++)
        await new Promise((r) => setTimeout(r, 10));
      const toKommune = await accept(epikrise({ freshId: true }), to);
      // The epikrise is written to Ålesund's EHR while the hospital's line is still long. Without
      // deferral it would wait for a slot behind the first three plan copies (jobs are taken in order).
      expect((await until(toKommune, ['acknowledged', 'blocked', 'rejected', 'dead'], 15000, slow)).state).toBe(
        'acknowledged'
      );
      const hospitalDone = await Promise.all(
        toHospital.map(async (key) => (await slow.ledger.get(key))?.state === 'acknowledged')
      );
      expect(hospitalDone.filter(Boolean).length).toBeLessThan(3);
      // Every plan copy is written once, on its first attempt: a deferral is not an attempt.
      for (const key of toHospital)
        expect(await until(key, ['acknowledged', 'blocked', 'rejected', 'dead'], 20000, slow)).toMatchObject({
          state: 'acknowledged',
          attempts: 1,
        });
      const deferred = (await registry.getSingleMetric('ipbro_deliveries_deferred_total')!.get()).values;
      expect(deferred.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
      expect(deferred.every((v) => String(v.labels.recipient) === hmrBase())).toBe(true);
    } finally {
      hmr.holdMs = 0;
      await slow.close();
      await removeTestData(
        producer,
        slowPrefix,
        new Queue(QUEUES.documents, { connection: producer, prefix: slowPrefix }),
        new Queue(REMINDER_QUEUE, { connection: producer, prefix: slowPrefix })
      );
      workerConnection.disconnect();
    }
  },
  40000
);
