import type { CarePlan, CarePlanActivity } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const bundle = ipDocumentToFhir(sampleDocument());
const plan = resourceIn<CarePlan>(bundle, 'CarePlan', 'ip');
const REVIEW = 'http://ipbro.no/fhir/CodeSystem/ip-plan-review';

test(
  '§ 19 e, f: a measure is an activity with a ServiceRequest detail: title, how, status, frequency, ' +
    'scope, life area, responsible, goals',
  () => {
    expect(plan.activity?.[0]).toEqual({
      id: 't1',
      detail: {
        extension: [
          { url: 'http://ipbro.no/fhir/StructureDefinition/ip-measure-scope', valueString: '2 besøk per dag' },
          {
            url: 'http://ipbro.no/fhir/StructureDefinition/ip-life-area',
            valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'helse-omsorg' },
          },
        ],
        kind: 'ServiceRequest',
        code: { text: 'Hjemmesykepleie' },
        status: 'scheduled',
        description: 'Tilsyn morgen og kveld, medisinhåndtering',
        scheduledTiming: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
        performer: [refTo(bundle, 'Organization', 'alesund')],
        goal: [refTo(bundle, 'Goal', 'g1')],
      },
    });
  }
);

test('§ 19 e: the responsible may be a participant, a free-text name, or both', () => {
  expect(plan.activity?.[1].detail?.performer).toEqual([
    { display: 'NAV Ålesund' },
    { ...refTo(bundle, 'Practitioner', 'koord'), display: 'Per Hansen' },
  ]);
});

test('§ 19 g: a review is an Appointment activity coded from ip-plan-review, dated by scheduledPeriod, held by its performer', () => {
  expect(plan.activity?.slice(2)).toEqual([
    {
      id: 'r1',
      detail: {
        kind: 'Appointment',
        code: { coding: [{ system: REVIEW, code: 'revisjon' }], text: 'Revisjon av planen' },
        status: 'scheduled',
        scheduledPeriod: { start: '2027-05-21' },
        performer: [refTo(bundle, 'Practitioner', 'koord')],
      },
    },
    {
      id: 'r2',
      detail: {
        kind: 'Appointment',
        code: { coding: [{ system: REVIEW, code: 'evaluering' }] },
        status: 'not-started',
        scheduledPeriod: { start: '2027-02-01', end: '2027-02-01' },
      },
    },
  ]);
});

describe('reading activities', () => {
  const withActivities = (activity: CarePlanActivity[]) => {
    const b = ipDocumentToFhir(sampleDocument());
    (b.entry?.[0].resource as CarePlan).activity = activity;
    return b;
  };

  test('a review with no coding is read from its text, in any case; an Appointment without a review word is a measure', () => {
    const doc = fhirToIpDocument(
      withActivities([
        {
          detail: {
            kind: 'Appointment',
            code: { text: 'JUSTERING etter utskrivning' },
            status: 'scheduled',
            scheduledPeriod: { start: '2027-01-10' },
          },
        },
        {
          detail: {
            kind: 'Appointment',
            code: { text: 'Evaluering' },
            status: 'scheduled',
            scheduledPeriod: { start: '2027-03-10' },
          },
        },
        {
          detail: {
            kind: 'ServiceRequest',
            code: { text: 'Støttekontakt' },
            status: 'in-progress',
            performer: [{ display: 'Frivilligsentralen' }],
          },
        },
      ])
    );
    expect(doc.reviews.map((r) => [r.key, r.kind, r.label, r.date])).toEqual([
      ['review-1', 'justering', 'JUSTERING etter utskrivning', '2027-01-10'],
      ['review-2', 'evaluering', 'Evaluering', '2027-03-10'],
    ]);
    expect(doc.measures).toEqual([
      { key: 'tiltak-1', title: 'Støttekontakt', status: 'in-progress', responsible: [{ name: 'Frivilligsentralen' }] },
    ]);
  });

  test('a measure without responsible or title, a review without date, a referenced activity: 422 with each path', () => {
    const b = withActivities([
      { detail: { kind: 'ServiceRequest', status: 'scheduled' } },
      { detail: { kind: 'Appointment', code: { text: 'Revisjon' }, status: 'scheduled' } },
      { reference: { reference: 'ServiceRequest/x' } },
    ]);
    try {
      fhirToIpDocument(b);
      throw new Error('expected a 422');
    } catch (err) {
      const e = err as { status: number; outcome: { issue: { expression: string[] }[] } };
      expect(e.status).toBe(422);
      expect(e.outcome.issue.map((i) => i.expression[0])).toEqual([
        'Bundle.entry[0].resource.activity[0].detail.code.text',
        'Bundle.entry[0].resource.activity[0].detail.performer',
        'Bundle.entry[0].resource.activity[1].detail.scheduledPeriod.start',
        'Bundle.entry[0].resource.activity[2].detail',
      ]);
    }
  });
});
