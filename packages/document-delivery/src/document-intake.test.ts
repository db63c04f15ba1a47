import { ConsentRegistry } from '@ipbro/consent-gate';
import { readMessage } from '@ipbro/fhir-message';
import { OutcomeError } from '@ipbro/outcome';
import { patientKeyer, PlanIndex } from '@ipbro/plan-index';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { documentIntakeCheck } from './document-intake';
import { REMINDER_QUEUE, reminderJobId, RevisionReminders } from './revision-reminders';
import { epikrise, fritakOf, planCopy, syntheticPerson } from './test-support/document-fixtures';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const patientKey = patientKeyer(randomBytes(32));
let redis: Redis;
let reminders: RevisionReminders;
let check: ReturnType<typeof documentIntakeCheck>;
let index: PlanIndex;
let consents: ConsentRegistry;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  index = new PlanIndex(redis, prefix);
  consents = new ConsentRegistry(redis, prefix);
  reminders = new RevisionReminders(redis, prefix);
  check = documentIntakeCheck({ planIndex: index, consents, patientKey, reminders });
});
afterAll(async () => {
  await removeTestData(redis, prefix, reminders.queue);
});

test('a different plan for a person who has one: 409 naming the existing plan at the CarePlan\'s identifier; the index keeps the first', async () => {
  const person = syntheticPerson();
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-A' })));
  const err = await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-B' }))).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutcomeError);
  expect((err as OutcomeError).status).toBe(409);
  expect((err as OutcomeError).outcome.issue?.[0]).toMatchObject({ code: 'conflict', diagnostics: expect.stringContaining('IP-A'), expression: ['Bundle.entry[1].resource.identifier'] });
  expect((await index.get(patientKey(person)))?.plan).toMatch(/\|IP-A$/);
});

test('the same plan again (a newer version) passes, updates the entry and schedules its revision once', async () => {
  const person = syntheticPerson();
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-03-01' })));
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-04-01', timestamp: '2026-11-28T10:00:00Z' })));
  const entry = await index.get(patientKey(person));
  expect(entry?.nextRevision).toBe('2027-04-01');
  const q = new Queue(REMINDER_QUEUE, { connection: redis, prefix });
  const jobs = (await q.getJobs(['delayed', 'waiting'])).filter((j) => j.data.patientKey === patientKey(person));
  expect(jobs.map((j) => j.data.nextRevision).sort()).toEqual(['2027-03-01', '2027-04-01']);
  expect(jobs.find((j) => j.data.nextRevision === '2027-04-01')?.id).toBe(reminderJobId({ patientKey: patientKey(person), plan: entry!.plan, nextRevision: '2027-04-01' }));
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-04-01', timestamp: '2026-11-28T10:00:00Z' })));
  expect((await q.getJobs(['delayed', 'waiting'])).filter((j) => j.data.patientKey === patientKey(person))).toHaveLength(2);
  expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain(person);
  await q.close();
});

test('an epikrise records the person\'s Consents (none here) and touches no plan; the Consents of a plan copy are recorded by identifier', async () => {
  const person = syntheticPerson();
  await check(readMessage(epikrise({ freshId: true, person })));
  expect(await index.get(patientKey(person))).toBeUndefined();
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-D' })));
  expect((await consents.all(patientKey(person))).map((c) => c.identifier).sort()).toEqual([
    'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042-consent-fritak',
    'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042-consent-ipsamtykke',
  ]);
});

test('an older version of the plan arriving late does not bring back a Consent withdrawn since', async () => {
  const person = syntheticPerson();
  const newer = planCopy({ freshId: true, person, planValue: 'IP-E', timestamp: '2026-11-29T10:00:00Z' });
  fritakOf(newer).status = 'inactive';
  await check(readMessage(newer));
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-E', timestamp: '2026-11-21T10:00:00Z' })));
  const fritak = (await consents.all(patientKey(person))).find((c) => c.category === 'taushetsplikt-fritak');
  expect(fritak?.status).toBe('inactive');
});
