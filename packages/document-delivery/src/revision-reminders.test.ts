import { Directory } from '@ipbro/directory';
import { createKommuneSimulator } from '@ipbro/simulated-peers';
import { MessageLedger } from '@ipbro/message-ledger';
import { PlanIndex } from '@ipbro/plan-index';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { reminderDueAt, reminderJobId, reminderMessage, reminderMessageId, sendRevisionReminder } from './revision-reminders';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const PLAN = 'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042';
let redis: Redis;
let sim: ReturnType<typeof createKommuneSimulator>;
let server: Server;
let deps: Parameters<typeof sendRevisionReminder>[1];

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  sim = createKommuneSimulator({ logger: quiet });
  server = await new Promise<Server>((resolve) => {
    const s = sim.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const d = JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of d.kommuner) k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${(server.address() as { port: number }).port}`);
  deps = { ledger: new MessageLedger(redis, { prefix }), planIndex: new PlanIndex(redis, prefix), directory: Directory.fromObject(d), timeoutMs: 5000 };
});
afterAll(async () => {
  sim.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await removeTestData(redis, prefix);
});

test('ids: one job and one message id per person, plan and date, the message id a UUID; due the day after the date', () => {
  const d = { patientKey: 'k1', plan: PLAN, nextRevision: '2027-05-21' };
  expect(reminderJobId(d)).toBe(reminderJobId({ ...d }));
  expect(reminderJobId(d)).not.toBe(reminderJobId({ ...d, nextRevision: '2027-05-22' }));
  expect(reminderJobId(d)).not.toContain(':');
  expect(reminderMessageId(d)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Date(reminderDueAt('2027-05-21')).toISOString()).toBe('2027-05-22T00:00:00.000Z');
});

test('the reminder message: a Task to revise the plan named by its identifier, to the koordinerende enhet; nothing about the person', () => {
  const m = reminderMessage({ patientKey: 'secret-hash', plan: PLAN, nextRevision: '2027-05-21' }, { endpoint: 'http://ke', name: 'Ålesund kommune', orgnr: '942953119' });
  const task = m.entry![1].resource as { resourceType: string; focus: { identifier: { value: string } }; description: string };
  expect(task.resourceType).toBe('Task');
  expect(task.focus.identifier.value).toBe('IP-2026-0042');
  expect(task.description).toContain('2027-05-21');
  expect(JSON.stringify(m)).not.toMatch(/secret-hash|12830551210|Nordmann/);
});

test('sent once: the koordinator\'s koordinerende enhet gets it, a second run sends nothing; a moved revision date skips it', async () => {
  await deps.planIndex.claim('p1', { plan: PLAN, owner: '942953119', koordinator: { hpr: '5512345', orgnr: '942953119' }, nextRevision: '2026-11-01', version: '2026-11-21T11:00:00.000Z' });
  const d = { patientKey: 'p1', plan: PLAN, nextRevision: '2026-11-01' };
  const first = await sendRevisionReminder(d, deps);
  expect(first).toMatchObject({ kind: 'sent', record: { state: 'acknowledged', event: 'revision-reminder', sender: 'ipbro', recipient: { orgnr: '942953119', kommunenummer: '1508' } } });
  expect(await sendRevisionReminder(d, deps)).toMatchObject({ kind: 'sent', record: { state: 'acknowledged' } });
  expect([...sim.received.values()]).toEqual([expect.objectContaining({ event: 'revision-reminder', count: 1, kommune: '1508' })]);
  await deps.planIndex.claim('p1', { plan: PLAN, owner: '942953119', nextRevision: '2027-06-01', version: '2026-11-29T11:00:00.000Z' });
  expect(await sendRevisionReminder({ ...d, nextRevision: '2026-12-01' }, deps)).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('2027-06-01') });
});
