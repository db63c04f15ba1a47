import type { Bundle, Resource } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConformanceResources } from './conformance-resources';
import { PROFILE_IDS } from './profile-ids';
import { loadDefinitionsIntoMedplum, profileErrors } from './test-support/medplum-validation';

// The profiles are usable by Medplum's validator: our examples and the contract's worked messages
// conform (so the profiles do not over-constrain), and breaches of each profile are caught.
// Medplum 4.5 checks the children of a BackboneElement against the base resource, not the profile
// (CareTeam.participant.member, DocumentReference.content.attachment.data …): those constraints are
// proven in the snapshots (conformance-resources.test.ts) and enforced by packages/validation.

const PROFILE_BY_TYPE: Record<string, string> = {
  CarePlan: PROFILE_IDS.carePlan,
  CareTeam: PROFILE_IDS.careTeam,
  Goal: PROFILE_IDS.goal,
  Consent: PROFILE_IDS.consent,
  Task: PROFILE_IDS.meldepliktTask,
  MessageHeader: PROFILE_IDS.messageHeader,
  DocumentReference: PROFILE_IDS.epikrise,
};
const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'contract');

function fixture(file: string): Bundle {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Bundle;
}

/** A copy of the first `resourceType` in a contract fixture, to break. */
function fixtureResource<K extends Resource['resourceType']>(
  file: string,
  resourceType: K
): Extract<Resource, { resourceType: K }> {
  const found = fixture(file).entry?.find((e) => e.resource?.resourceType === resourceType)?.resource;
  if (!found) throw new Error(`${file} has no ${resourceType}`);
  return structuredClone(found) as Extract<Resource, { resourceType: K }>;
}

beforeAll(() => loadDefinitionsIntoMedplum());

test('each example conforms to its profile', () => {
  const examples = loadConformanceResources().examples.filter((e) => PROFILE_BY_TYPE[e.resourceType]);
  expect(examples.map((e) => e.resourceType).sort()).toEqual([
    'CarePlan',
    'CareTeam',
    'Consent',
    'Consent',
    'Consent',
    'Goal',
  ]);
  for (const example of examples) {
    expect({ id: example.id, errors: profileErrors(example, PROFILE_BY_TYPE[example.resourceType]) }).toEqual({
      id: example.id,
      errors: [],
    });
  }
});

test('together the examples use every extension of ours, and reference only each other', () => {
  const { examples, structureDefinitions } = loadConformanceResources();
  const text = JSON.stringify(examples);
  for (const ext of structureDefinitions.filter((s) => s.type === 'Extension')) {
    expect({ extension: ext.id, used: text.includes(`"url":"${ext.url}"`) }).toEqual({ extension: ext.id, used: true });
  }
  const ids = new Set(examples.map((e) => `${e.resourceType}/${e.id}`));
  const references = [...text.matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1]);
  expect(references.length).toBeGreaterThan(10);
  expect(references.filter((r) => !ids.has(r))).toEqual([]);
});

test('the examples use synthetic identifiers only (fødselsnummer month + 80)', () => {
  const patient = loadConformanceResources().examples.find((e) => e.resourceType === 'Patient');
  const fnr = patient?.resourceType === 'Patient' ? patient.identifier?.[0].value : undefined;
  expect(fnr).toMatch(/^\d{11}$/);
  expect(Number(fnr?.slice(2, 4))).toBeGreaterThan(80);
});

const FILES = ['meldeplikt.json', 'meldeplikt-svar.json', 'ip-plan-copy.json', 'epikrise.json', 'receipt-ok.json'];
test.each(FILES)('every profiled resource of the contract’s %s conforms', (file) => {
  let checked = 0;
  for (const entry of fixture(file).entry ?? []) {
    const r = entry.resource as Resource;
    // The answer's Task is no meldeplikt: ip-meldeplikt-task is for the notice only.
    const profile =
      r.resourceType === 'Task' && file === 'meldeplikt-svar.json' ? undefined : PROFILE_BY_TYPE[r.resourceType];
    if (!profile) continue;
    expect({ file, id: r.id, errors: profileErrors(r, profile) }).toEqual({ file, id: r.id, errors: [] });
    checked++;
  }
  // MessageHeader + Task + Consent; the answer's header; + CarePlan, CareTeam, 2 Goals, 2 Consents; +
  // DocumentReference; the receipt's header
  expect(checked).toBe(
    {
      'meldeplikt.json': 3,
      'meldeplikt-svar.json': 1,
      'ip-plan-copy.json': 7,
      'epikrise.json': 2,
      'receipt-ok.json': 1,
    }[file]
  );
});

describe('breaches are caught', () => {
  const has = (errors: string[], prefix: string) => errors.some((e) => e.startsWith(prefix));

  test('ip-careplan: no subject, intent order, no A02-2 category, no period start, no care team', () => {
    const plan = fixtureResource('ip-plan-copy.json', 'CarePlan') as unknown as Record<string, unknown>;
    delete plan.subject;
    delete plan.careTeam;
    plan.intent = 'order';
    plan.category = [{ text: 'x' }];
    plan.period = { end: '2027-11-21' };
    const errors = profileErrors(plan as unknown as Resource, PROFILE_IDS.carePlan);
    expect(has(errors, 'CarePlan.subject')).toBe(true);
    expect(has(errors, 'CarePlan.intent')).toBe(true);
    expect(errors.some((e) => e.includes("slice 'individuellPlan'"))).toBe(true);
    expect(has(errors, 'CarePlan.period.start')).toBe(true);
    expect(has(errors, 'CarePlan.careTeam')).toBe(true);
  });

  test('ip-goal: no life-area category', () => {
    const goal = fixtureResource('ip-plan-copy.json', 'Goal');
    delete goal.category;
    expect(has(profileErrors(goal, PROFILE_IDS.goal), 'Goal.category')).toBe(true);
  });

  test('ip-consent: no performer', () => {
    const consent = fixtureResource('ip-plan-copy.json', 'Consent');
    delete consent.performer;
    expect(has(profileErrors(consent, PROFILE_IDS.consent), 'Consent.performer')).toBe(true);
  });

  test('ip-meldeplikt-task: a draft with another code, no requester and no input', () => {
    const task = fixtureResource('meldeplikt.json', 'Task');
    task.status = 'draft';
    task.code = { coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event', code: 'epikrise' }] };
    delete task.requester;
    delete task.input;
    const errors = profileErrors(task, PROFILE_IDS.meldepliktTask);
    for (const path of ['Task.status', 'Task.code', 'Task.requester', 'Task.input'])
      expect({ path, caught: has(errors, path) }).toEqual({ path, caught: true });
  });

  test('ip-message-header: no sender', () => {
    const header = fixtureResource('meldeplikt.json', 'MessageHeader');
    delete (header as Partial<typeof header>).sender;
    expect(has(profileErrors(header, PROFILE_IDS.messageHeader), 'MessageHeader.sender')).toBe(true);
  });

  test('ip-epikrise-documentreference: another document type, no subject', () => {
    const doc = fixtureResource('epikrise.json', 'DocumentReference');
    doc.type = { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }] };
    delete doc.subject;
    const errors = profileErrors(doc, PROFILE_IDS.epikrise);
    expect(has(errors, 'DocumentReference.type')).toBe(true);
    expect(has(errors, 'DocumentReference.subject')).toBe(true);
  });
});
