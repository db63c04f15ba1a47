import type { Bundle, CarePlan } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextRevisionOf, orgnrOfSystem, planEntryOf } from './plan-entry';

const planCopy = () =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
  ) as Bundle;

test('the example plan copy: its plan, owner, koordinator and next revision, and nothing about the person', () => {
  const entry = planEntryOf(planCopy());
  expect(entry).toEqual({
    plan: 'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042',
    owner: '942953119',
    koordinator: { hpr: '5512345', orgnr: '942953119' },
    nextRevision: '2027-05-21',
    version: '2026-11-21T11:00:00.000Z',
    messageId: '0d5e3b0c-7d6b-4f0e-8b5a-3c2d1e0f9a02',
    status: 'active',
  });
  expect(JSON.stringify(entry)).not.toMatch(/12830551210|Nordmann/);
});

test('the next revision is the earliest not yet done, coded or named revisjon; none gives undefined', () => {
  const plan = planCopy().entry![1].resource as CarePlan;
  plan.activity!.push({
    detail: {
      kind: 'Appointment',
      status: 'scheduled',
      code: { coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-plan-review', code: 'revisjon' }] },
      scheduledPeriod: { start: '2027-02-01' },
    },
  });
  plan.activity!.push({
    detail: {
      kind: 'Appointment',
      status: 'completed',
      code: { text: 'Revisjon' },
      scheduledPeriod: { start: '2026-01-01' },
    },
  });
  expect(nextRevisionOf(plan)).toBe('2027-02-01');
  expect(nextRevisionOf({ ...plan, activity: [] })).toBeUndefined();
});

test('no plan identifier: no entry', () => {
  const b = planCopy();
  delete (b.entry![1].resource as CarePlan).identifier;
  expect(planEntryOf(b)).toBeUndefined();
});

test("the owner is read from the plan identifier's namespace in either spelling of the system, not from one hard-coded prefix", () => {
  expect(orgnrOfSystem('http://ipbro.no/fhir/sid/org/942953119/ip')).toBe('942953119');
  expect(orgnrOfSystem('urn:oid:2.16.578.1.12.4.1.4.101/944305823/ip')).toBe('944305823');
  expect(orgnrOfSystem('http://ipbro.no/fhir/sid/org/997005562/dok')).toBe('997005562');
  expect(orgnrOfSystem('urn:oid:2.16.578.1.12.4.1.4.101')).toBeUndefined();
  expect(orgnrOfSystem('http://example.test/plans')).toBeUndefined();
  const b = planCopy();
  const plan = b.entry![1].resource as CarePlan;
  plan.identifier = [{ system: 'http://ipbro.no/fhir/sid/org/944305823/ip', value: 'IP-M-1' }];
  expect(planEntryOf(b)).toMatchObject({
    plan: 'http://ipbro.no/fhir/sid/org/944305823/ip|IP-M-1',
    owner: '944305823',
  });
});

test('status and replaces are kept; a plan that is over has no revision due; replaces without an identifier names nothing', () => {
  const b = planCopy();
  const plan = b.entry![1].resource as CarePlan;
  plan.status = 'completed';
  plan.replaces = [
    { identifier: { system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-OLD' } },
    { reference: 'CarePlan/123' },
    { identifier: { value: 'no-system' } },
  ];
  const entry = planEntryOf(b);
  expect(entry).toMatchObject({ status: 'completed', replaces: ['http://ipbro.no/fhir/sid/org/942953119/ip|IP-OLD'] });
  expect(entry?.nextRevision).toBeUndefined();
  plan.status = 'active';
  delete plan.replaces;
  expect(planEntryOf(b)).toMatchObject({ status: 'active', nextRevision: '2027-05-21' });
  expect(planEntryOf(b)).not.toHaveProperty('replaces');
});

test('a plan identifier in the former urn:oid system is the same plan, with the same owner', () => {
  const b = planCopy();
  const plan = b.entry![1].resource as CarePlan;
  plan.identifier![0].system = 'urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip';
  expect(planEntryOf(b)).toMatchObject({
    plan: 'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042',
    owner: '942953119',
  });
});

test("a plan identifier in a system of no organisation: the plan as sent, owned by the koordinator's organisation", () => {
  const b = planCopy();
  (b.entry![1].resource as CarePlan).identifier![0].system = 'http://kommune.example.test/ip';
  expect(planEntryOf(b)).toMatchObject({ plan: 'http://kommune.example.test/ip|IP-2026-0042', owner: '942953119' });
});
