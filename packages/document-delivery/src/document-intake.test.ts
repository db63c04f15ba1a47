import { ConsentRegistry } from '@ipbro/consent-gate';
import { readMessage } from '@ipbro/fhir-message';
import { OutcomeError } from '@ipbro/outcome';
import { patientKeyer, PlanIndex } from '@ipbro/plan-index';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { documentIntakeCheck } from './document-intake';
import { replacedPlanNoticeId, type PlanNoticeDeps } from './plan-replaced-notice';
import { REMINDER_QUEUE, reminderJobId, RevisionReminders } from './revision-reminders';
import { epikrise, fritakOf, ORG, planCopy, syntheticPerson } from './test-support/document-fixtures';
import { byIdentifier, MOLDE, ownPlan, planKeyOf } from './test-support/plan-replacement-fixtures';
import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { QUEUES } from '@ipbro/queues';
import type { Bundle, CarePlan, MessageHeader } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const patientKey = patientKeyer(randomBytes(32));
let redis: Redis;
let reminders: RevisionReminders;
let check: ReturnType<typeof documentIntakeCheck>;
let index: PlanIndex;
let consents: ConsentRegistry;
let ledger: MessageLedger;
let documents: Queue;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  index = new PlanIndex(redis, prefix);
  consents = new ConsentRegistry(redis, prefix);
  reminders = new RevisionReminders(redis, prefix);
  ledger = new MessageLedger(redis, { prefix });
  documents = new Queue(QUEUES.documents, { connection: redis, prefix });
  const directory = Directory.fromObject(
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'))
  );
  const notices: PlanNoticeDeps = { ledger, queue: documents, directory };
  check = documentIntakeCheck({ planIndex: index, consents, patientKey, reminders, notices });
});
afterAll(async () => {
  await removeTestData(redis, prefix, reminders.queue, documents);
});

test(
  "a different plan for a person who has one: 409 naming the existing plan at the CarePlan's " +
    'identifier; the index keeps the first',
  async () => {
    const person = syntheticPerson();
    await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-A' })));
    const err = await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-B' }))).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(OutcomeError);
    expect((err as OutcomeError).status).toBe(409);
    expect((err as OutcomeError).outcome.issue?.[0]).toMatchObject({
      code: 'conflict',
      diagnostics: expect.stringContaining('IP-A'),
      expression: ['Bundle.entry[1].resource.identifier'],
    });
    expect((await index.get(patientKey(person)))?.plan).toMatch(/\|IP-A$/);
  }
);

test('the same plan again (a newer version) passes, updates the entry and schedules its revision once', async () => {
  const person = syntheticPerson();
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-03-01' })));
  await check(
    readMessage(
      planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-04-01', timestamp: '2026-11-28T10:00:00Z' })
    )
  );
  const entry = await index.get(patientKey(person));
  expect(entry?.nextRevision).toBe('2027-04-01');
  const q = new Queue(REMINDER_QUEUE, { connection: redis, prefix });
  const jobs = (await q.getJobs(['delayed', 'waiting'])).filter((j) => j.data.patientKey === patientKey(person));
  expect(jobs.map((j) => j.data.nextRevision).sort()).toEqual(['2027-03-01', '2027-04-01']);
  expect(jobs.find((j) => j.data.nextRevision === '2027-04-01')?.id).toBe(
    reminderJobId({ patientKey: patientKey(person), plan: entry!.plan, nextRevision: '2027-04-01' })
  );
  await check(
    readMessage(
      planCopy({ freshId: true, person, planValue: 'IP-C', revision: '2027-04-01', timestamp: '2026-11-28T10:00:00Z' })
    )
  );
  expect(
    (await q.getJobs(['delayed', 'waiting'])).filter((j) => j.data.patientKey === patientKey(person))
  ).toHaveLength(2);
  expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain(person);
  await q.close();
});

test(
  "an epikrise records the person's Consents (none here) and touches no plan; the Consents of " +
    'a plan copy are recorded by identifier',
  async () => {
    const person = syntheticPerson();
    await check(readMessage(epikrise({ freshId: true, person })));
    expect(await index.get(patientKey(person))).toBeUndefined();
    await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-D' })));
    expect((await consents.all(patientKey(person))).map((c) => c.identifier).sort()).toEqual([
      'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042-consent-fritak',
      'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042-consent-ipsamtykke',
    ]);
  }
);

test('an older version of the plan arriving late does not bring back a Consent withdrawn since', async () => {
  const person = syntheticPerson();
  const newer = planCopy({ freshId: true, person, planValue: 'IP-E', timestamp: '2026-11-29T10:00:00Z' });
  fritakOf(newer).status = 'inactive';
  await check(readMessage(newer));
  await check(readMessage(planCopy({ freshId: true, person, planValue: 'IP-E', timestamp: '2026-11-21T10:00:00Z' })));
  const fritak = (await consents.all(patientKey(person))).find((c) => c.category === 'taushetsplikt-fritak');
  expect(fritak?.status).toBe('inactive');
});

/** What `check` throws, or undefined when it passes. */
const refusal = (b: Bundle) =>
  check(readMessage(b)).then(
    () => undefined,
    (e: unknown) => e as OutcomeError
  );
const noticeJobs = async () =>
  (await documents.getJobs(['waiting', 'delayed', 'active'])).map(
    (j) => j.data as { key: string; destination?: { orgnr?: string } }
  );

test(
  "a plan completed, revoked or entered in error frees the person: another kommune's plan is accepted " +
    'without replaces, and nobody is told',
  async () => {
    for (const [i, ended] of (['completed', 'revoked', 'entered-in-error'] as const).entries()) {
      const person = syntheticPerson();
      const before = (await noticeJobs()).length;
      await check(readMessage(ownPlan({ person, planValue: `IP-END-${i}` })));
      expect((await refusal(ownPlan({ person, planValue: `IP-M-END-${i}`, owner: 'molde' })))?.status).toBe(409);
      await check(
        readMessage(ownPlan({ person, planValue: `IP-END-${i}`, status: ended, timestamp: '2026-12-01T10:00:00Z' }))
      );
      expect(
        await refusal(
          ownPlan({ person, planValue: `IP-M-END-${i}`, owner: 'molde', timestamp: '2026-12-02T10:00:00Z' })
        )
      ).toBeUndefined();
      expect(await index.get(patientKey(person))).toMatchObject({
        plan: expect.stringMatching(new RegExp(`/${MOLDE.orgnr}/ip\\|IP-M-END-${i}$`)),
        owner: MOLDE.orgnr,
      });
      expect((await noticeJobs()).length).toBe(before);
    }
  }
);

test(
  'a plan from the kommune the person moved to, naming the plan in force in replaces, takes its place; the ' +
    'old owner gets one notice: that plan revoked',
  async () => {
    const person = syntheticPerson();
    const old = ownPlan({ person, planValue: 'IP-A-REPL' });
    await check(readMessage(old));
    const replacing = ownPlan({
      person,
      planValue: 'IP-M-REPL',
      owner: 'molde',
      replaces: [byIdentifier(old)],
      timestamp: '2026-12-03T10:00:00Z',
    });
    expect(await refusal(replacing)).toBeUndefined();
    expect(await index.get(patientKey(person))).toMatchObject({
      plan: planKeyOf(replacing),
      replaced: { plan: planKeyOf(old), owner: ORG.alesund },
    });
    const id = replacedPlanNoticeId(planKeyOf(replacing), planKeyOf(old));
    const record = await ledger.get(ledgerKey(MOLDE.orgnr, id));
    expect(record).toMatchObject({
      sender: MOLDE.orgnr,
      event: 'ip-plan-copy',
      state: 'queued',
      recipient: { orgnr: ORG.alesund, name: 'Ålesund kommune' },
    });
    const notice = JSON.parse((await ledger.body(ledgerKey(MOLDE.orgnr, id)))!) as Bundle;
    const header = notice.entry![0].resource as MessageHeader;
    expect(header.destination?.[0]).toMatchObject({
      endpoint: 'http://127.0.0.1:4101/kommune/1508/fhir',
      receiver: { identifier: { value: ORG.alesund } },
    });
    const plan = notice.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as CarePlan;
    expect(plan).toMatchObject({
      status: 'revoked',
      identifier: [planOfIdentifier(old)],
      meta: { tag: [{ code: 'SUBSETTED' }] },
    });
    expect(plan.note?.[0].text).toContain('IP-M-REPL');
    expect(plan.title).toBeUndefined(); // IP-bro knows the old plan by its identifier only
    // The same message again, and a later version of the new plan: still one notice.
    await check(readMessage(replacing));
    await check(
      readMessage(ownPlan({ person, planValue: 'IP-M-REPL', owner: 'molde', timestamp: '2026-12-04T10:00:00Z' }))
    );
    expect((await noticeJobs()).filter((j) => j.key === ledgerKey(MOLDE.orgnr, id))).toEqual([
      expect.objectContaining({ destination: { orgnr: ORG.alesund } }),
    ]);
  }
);

const planOfIdentifier = (b: Bundle) => (b.entry![1].resource as CarePlan).identifier![0];

test(
  'replaces naming another plan than the one in force: 409 naming the plan in force, at replaces; replaces ' +
    'without an identifier: 422 at it',
  async () => {
    const person = syntheticPerson();
    const old = ownPlan({ person, planValue: 'IP-A-WRONG' });
    await check(readMessage(old));
    const wrong = await refusal(
      ownPlan({
        person,
        planValue: 'IP-M-WRONG',
        owner: 'molde',
        replaces: [{ identifier: { ...planOfIdentifier(old), value: 'IP-SOMETHING-ELSE' } }],
      })
    );
    expect(wrong?.status).toBe(409);
    expect(wrong?.outcome.issue?.[0]).toMatchObject({
      code: 'conflict',
      diagnostics: expect.stringMatching(/IP-A-WRONG.*IP-SOMETHING-ELSE/),
      expression: ['Bundle.entry[1].resource.replaces'],
    });
    const unnamed = await refusal(
      ownPlan({
        person,
        planValue: 'IP-M-WRONG',
        owner: 'molde',
        replaces: [byIdentifier(old), { reference: 'CarePlan/123' }],
      })
    );
    expect(unnamed?.status).toBe(422);
    expect(unnamed?.outcome.issue).toEqual([
      expect.objectContaining({ code: 'required', expression: ['Bundle.entry[1].resource.replaces[1].identifier'] }),
    ]);
    expect(await index.get(patientKey(person))).toMatchObject({ plan: planKeyOf(old) });
  }
);

test("a copy of a plan that is over and is not the person's plan claims nothing: accepted, the plan in force stays", async () => {
  const person = syntheticPerson();
  const inForce = ownPlan({ person, planValue: 'IP-A-KEEP' });
  await check(readMessage(inForce));
  expect(await refusal(ownPlan({ person, planValue: 'IP-GONE', status: 'revoked' }))).toBeUndefined();
  expect(await index.get(patientKey(person))).toMatchObject({ plan: planKeyOf(inForce) });
});
