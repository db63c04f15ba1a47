import { generateIpDocument, ipDocumentToFhir } from '@ipbro/ip-model';
import { PROFILE_IDS, profileUrl } from '@ipbro/profiles';
import { OperationOutcomeError, tryGetDataType, tryGetProfile, validateTypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from './fhir-definitions';
import { validateAgainstSchema } from './schema-validator';
import { contractExample } from './test-support/fixtures';

loadDefinitions();

/** Errors as a comparable set: message and where, indices and `[x]` left out (Medplum drops some indices). */
function errorSet(issues: OperationOutcomeIssue[]): string[] {
  const set = new Set(
    issues
      .filter((i) => i.severity === 'error')
      .map(
        (i) =>
          `${i.details?.text} @ ${(i.expression ?? [])
            .join(',')
            .replace(/\[\d+\]/g, '')
            .replace(/\[x\]/g, '')}`
      )
  );
  return [...set].sort();
}

function medplumErrors(resource: Resource): string[] {
  try {
    return errorSet(validateTypedValue({ type: resource.resourceType, value: resource }));
  } catch (err) {
    if (err instanceof OperationOutcomeError) return errorSet(err.outcome.issue ?? []);
    throw err;
  }
}

const ours = (resource: Resource): string[] =>
  errorSet(
    validateAgainstSchema(
      resource,
      tryGetDataType(resource.resourceType) as NonNullable<ReturnType<typeof tryGetDataType>>
    )
  );

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

const planCopy = contractExample('ip-plan-copy');
const byType = (type: string): Record<string, any> =>
  clone(planCopy.entry?.find((e) => e.resource?.resourceType === type)?.resource) as Record<string, any>;

// Breaches of base R4 that Medplum's validator reports; ours must report the same.
const BREACHES: [string, () => Record<string, any>][] = [
  ['unknown property', () => ({ ...byType('CarePlan'), colour: 'blue' })],
  [
    'missing required status',
    () => {
      const r = byType('CarePlan');
      delete r.status;
      return r;
    },
  ],
  ['number where a code goes', () => ({ ...byType('CarePlan'), status: 5 })],
  ['bad date format', () => ({ ...byType('Patient'), birthDate: '12.05.1980' })],
  ['whitespace-only string', () => ({ ...byType('CarePlan'), title: '   ' })],
  ['null value', () => ({ ...byType('CarePlan'), title: null })],
  ['single value where an array goes', () => ({ ...byType('CarePlan'), category: byType('CarePlan').category[0] })],
  ['array where a single value goes', () => ({ ...byType('CarePlan'), subject: [byType('CarePlan').subject] })],
  [
    'invariant ext-1: an extension with a value and sub-extensions',
    () => ({
      ...byType('Patient'),
      extension: [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }],
    }),
  ],
  [
    'a decimal where an integer goes',
    () => {
      const r = byType('CareTeam');
      r.participant[0].member.identifier = { system: 'urn:x', value: 'y', period: { start: '2026' } };
      r.telecom = [{ system: 'phone', value: '1', rank: 1.5 }];
      return r;
    },
  ],
  ['a bad primitive extension', () => ({ ...byType('Patient'), _birthDate: { colour: 'x' } })],
  [
    'nested unknown property in a backbone element',
    () => {
      const r = byType('CareTeam');
      r.participant[0].boss = true;
      return r;
    },
  ],
  [
    'a bad code inside a nested backbone element',
    () => {
      const r = byType('CarePlan');
      r.activity[0].detail.kind = 'Not A Kind!  ';
      return r;
    },
  ],
  [
    'a bad uri inside a Coding',
    () => {
      const r = byType('CarePlan');
      r.category[0].coding[0].system = 'has spaces in it';
      return r;
    },
  ],
  [
    'a contained resource with a problem',
    () => ({ ...byType('CarePlan'), contained: [{ resourceType: 'Practitioner', id: 'p1', gender: 'x y  z' }] }),
  ],
];

describe("parity with Medplum's validator on base R4", () => {
  test('every resource of the contract examples and of 20 generated plans: the same (no) errors', () => {
    const resources: Resource[] = [];
    for (const name of ['meldeplikt', 'meldeplikt-svar', 'ip-plan-copy', 'epikrise', 'receipt-ok'] as const) {
      for (const e of contractExample(name).entry ?? []) if (e.resource) resources.push(e.resource);
    }
    for (let n = 0; n < 20; n++)
      for (const e of ipDocumentToFhir(generateIpDocument(n)).entry ?? []) if (e.resource) resources.push(e.resource);
    for (const r of resources) {
      expect({ id: r.id, errors: ours(r) }).toEqual({ id: r.id, errors: medplumErrors(r) });
      expect(ours(r)).toEqual([]);
    }
  });

  test.each(BREACHES)('%s: found, and the same errors as Medplum finds', (_name, make) => {
    const resource = make() as Resource;
    const found = ours(resource);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(medplumErrors(resource));
  });
});

describe('what ours does beyond Medplum', () => {
  test('the invariants of nested data types: per-1 on a Period (Medplum checks tim-2 but not per-1)', () => {
    const r = byType('CarePlan');
    r.period = { start: '2027-01-01', end: '2026-01-01' };
    delete r.activity[0].detail.scheduledTiming.repeat.periodUnit;
    expect(medplumErrors(r as Resource).filter((e) => e.includes('per-1'))).toEqual([]);
    expect(ours(r as Resource)).toEqual([
      'Constraint per-1 not met: If present, start SHALL have a lower value than end @ CarePlan.period',
      "Constraint tim-2 not met: if there's a period, there needs to be period units @ CarePlan.activity.detail.scheduledTiming.repeat",
    ]);
  });

  test('two values for one choice element is an error (Medplum only warns)', () => {
    const r = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueString: 'a',
      valueBoolean: true,
    };
    expect(ours(r as Resource)).toEqual([
      'Conflicting choice of type properties: "valueBoolean", "valueString" @ Observation.valueBoolean',
    ]);
  });

  test('a string where an object goes is one clear error', () => {
    expect(ours({ ...byType('CarePlan'), subject: 'Patient/1' } as unknown as Resource)).toEqual([
      'Invalid JSON type: expected an object (Reference), but got string @ CarePlan.subject',
    ]);
  });

  test('expressions carry every index', () => {
    const r = byType('CarePlan');
    r.activity[2].detail.kind = 'x  y';
    const issues = validateAgainstSchema(
      r,
      tryGetDataType('CarePlan') as NonNullable<ReturnType<typeof tryGetDataType>>
    );
    expect(issues.map((i) => i.expression?.[0])).toEqual(['CarePlan.activity[2].detail.kind']);
  });

  test("a profile's constraint inside a complex type (ip-careplan: period.start) and in its own backbone types", () => {
    const profile = tryGetProfile(profileUrl(PROFILE_IDS.carePlan));
    if (!profile) throw new Error('ip-careplan not loaded');
    const r = byType('CarePlan');
    expect(validateAgainstSchema(r, profile, profileUrl(PROFILE_IDS.carePlan))).toEqual([]);
    r.period = { end: '2027-11-21' };
    const issues = validateAgainstSchema(r, profile, profileUrl(PROFILE_IDS.carePlan));
    expect(issues.map((i) => `${i.details?.text} @ ${i.expression}`)).toEqual([
      'Missing required property @ CarePlan.period.start',
    ]);
  });

  test("the epikrise profile requires the attachment's contentType, inside DocumentReference.content", () => {
    const url = profileUrl(PROFILE_IDS.epikrise);
    const profile = tryGetProfile(url);
    if (!profile) throw new Error('epikrise profile not loaded');
    const doc = clone(
      contractExample('epikrise').entry?.find((e) => e.resource?.resourceType === 'DocumentReference')?.resource
    ) as Record<string, any>;
    expect(validateAgainstSchema(doc, profile, url)).toEqual([]);
    delete doc.content[0].attachment.contentType;
    // (plus whatever invariants the profile adds on content: the profile is still being written)
    expect(validateAgainstSchema(doc, profile, url).map((i) => `${i.details?.text} @ ${i.expression}`)).toEqual(
      expect.arrayContaining([
        'Constraint att-1 not met: If the Attachment has data, it SHALL have a contentType @ DocumentReference.content[0].attachment',
        'Missing required property @ DocumentReference.content[0].attachment.contentType',
      ])
    );
  });
});
