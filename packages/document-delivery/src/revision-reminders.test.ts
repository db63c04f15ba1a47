import { AuditTrail } from '@ipbro/audit';
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
import {
  reminderDueAt,
  reminderJobId,
  reminderMessage,
  reminderMessageId,
  sendRevisionReminder,
} from './revision-reminders';

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
  for (const k of d.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(
      ':4101',
      `:${(server.address() as { port: number }).port}`
    );
  const audit = new AuditTrail(redis, { prefix, logger: quiet, source: 'document-courier' });
  deps = {
    ledger: new MessageLedger(redis, { prefix }),
    planIndex: new PlanIndex(redis, prefix),
    directory: Directory.fromObject(d),
    timeoutMs: 5000,
    maxAttempts: 2,
    audit,
  };
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

test(
  'the reminder message: a Task to revise the plan named by its identifier, to the koordinerende ' +
    'enhet; nothing about the person',
  () => {
    const m = reminderMessage(
      { patientKey: 'secret-hash', plan: PLAN, nextRevision: '2027-05-21' },
      { endpoint: 'http://ke', name: 'Ålesund kommune', orgnr: '942953119' }
    );
    const task = m.entry![1].resource as {
      resourceType: string;
      focus: { identifier: { value: string } };
      description: string;
    };
    expect(task.resourceType).toBe('Task');
    expect(task.focus.identifier.value).toBe('IP-2026-0042');
    expect(task.description).toContain('2027-05-21');
    expect(JSON.stringify(m)).not.toMatch(/secret-hash|12830551210|Nordmann/);
  }
);

test("sent once: the koordinator's koordinerende enhet gets it, a second run sends nothing; a moved revision date skips it", async () => {
  await deps.planIndex.claim('p1', {
    plan: PLAN,
    owner: '942953119',
    koordinator: { hpr: '5512345', orgnr: '942953119' },
    nextRevision: '2026-11-01',
    version: '2026-11-21T11:00:00.000Z',
  });
  const d = { patientKey: 'p1', plan: PLAN, nextRevision: '2026-11-01' };
  const first = await sendRevisionReminder(d, deps);
  expect(first).toMatchObject({
    kind: 'sent',
    record: {
      state: 'acknowledged',
      event: 'revision-reminder',
      sender: 'ipbro',
      recipient: { orgnr: '942953119', kommunenummer: '1508' },
    },
  });
  expect(await sendRevisionReminder(d, deps)).toMatchObject({ kind: 'sent', record: { state: 'acknowledged' } });
  expect([...sim.received.values()]).toEqual([
    expect.objectContaining({ event: 'revision-reminder', count: 1, kommune: '1508' }),
  ]);
  await deps.planIndex.claim('p1', {
    plan: PLAN,
    owner: '942953119',
    nextRevision: '2027-06-01',
    version: '2026-11-29T11:00:00.000Z',
  });
  expect(await sendRevisionReminder({ ...d, nextRevision: '2026-12-01' }, deps)).toMatchObject({
    kind: 'skipped',
    reason: expect.stringContaining('2027-06-01'),
  });
});

test(
  'a reminder is delivered as every message is: its attempt and outcome in the audit trail; a ' +
    'recipient that keeps failing: retrying, then dead',
  async () => {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await fetch(`${base}/_sim/behaviour`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kommune: '1508', sequence: ['503'] }),
    });
    try {
      await deps.planIndex.claim('p2', {
        plan: `${PLAN}-2`,
        owner: '942953119',
        nextRevision: '2026-11-02',
        version: '2026-11-21T11:00:00.000Z',
      });
      const d = { patientKey: 'p2', plan: `${PLAN}-2`, nextRevision: '2026-11-02' };
      const first = await sendRevisionReminder(d, deps);
      expect(first).toMatchObject({ kind: 'retry', attempt: 1, record: { state: 'retrying', attempts: 1 } });
      expect(first.kind === 'retry' && first.record.history.at(-1)?.detail).toMatch(/^attempt 1 of 2: HTTP 503/);
      expect(await sendRevisionReminder(d, deps)).toMatchObject({
        kind: 'sent',
        record: { state: 'dead', attempts: 2 },
      });
      const trail = await (deps.audit as AuditTrail).forMessage(reminderMessageId(d));
      expect(trail.map((r) => [r.event, r.detail?.split(':')[0]])).toEqual([
        ['delivery.attempt', expect.stringMatching(/^attempt 1 to http/)],
        ['delivery.outcome', 'retrying (attempt 1)'],
        ['delivery.attempt', expect.stringMatching(/^attempt 2 to http/)],
        ['delivery.outcome', 'dead (attempt 2)'],
      ]);
    } finally {
      await fetch(`${base}/_sim/reset`, { method: 'POST' });
    }
  }
);
