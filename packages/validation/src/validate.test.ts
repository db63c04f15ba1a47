import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { OutcomeError } from '@ipbro/outcome';
import type { Bundle, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { assertValid, validate, validateMessage } from './index';
import { contractExample, entryById, NOW } from './test-support/fixtures';

const errors = (o: OperationOutcome): OperationOutcomeIssue[] =>
  (o.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
const errorsOf = (b: unknown): OperationOutcomeIssue[] => errors(validate(b, { now: NOW }));
/** The one error we expect: its diagnostics match and it points where we say. */
function expectError(b: unknown, diagnostics: RegExp, expression: string): void {
  const found = errorsOf(b);
  expect(found.map((i) => ({ d: i.diagnostics, e: i.expression }))).toEqual(
    expect.arrayContaining([{ d: expect.stringMatching(diagnostics), e: expect.arrayContaining([expression]) }])
  );
}

describe('the contract examples are accepted as they are', () => {
  test.each(['meldeplikt', 'meldeplikt-svar', 'ip-plan-copy', 'epikrise', 'receipt-ok'] as const)(
    '%s validates with no error',
    (name) => {
      expect(errorsOf(contractExample(name))).toEqual([]);
      expect(() => assertValid(contractExample(name), { now: NOW })).not.toThrow();
    }
  );

  test('each resource of the plan copy on its own validates too', () => {
    for (const e of contractExample('ip-plan-copy').entry ?? []) {
      if (e.resource?.resourceType === 'MessageHeader') continue;
      expect({ id: e.resource?.id, errors: errorsOf(e.resource) }).toEqual({ id: e.resource?.id, errors: [] });
    }
  });
});

describe('broken plans fail with the issue we expect', () => {
  test('two active koordinators', () => {
    const b = contractExample('ip-plan-copy');
    const team = entryById(b, 'team');
    team.participant[1].role[0].coding[0].code = 'koordinator';
    expectError(b, /2 active koordinators/, 'Bundle.entry[2].resource.participant[0]');
  });

  test('no koordinator at all, or only one whose period has ended', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'team').participant[0].period = { start: '2026-01-01', end: '2026-06-01' };
    expectError(b, /no active koordinator/, 'Bundle.entry[2].resource.participant');
  });

  test('a temporary hospital koordinator may stand beside the koordinator', () => {
    const b = contractExample('ip-plan-copy');
    const team = entryById(b, 'team');
    team.participant.push({
      role: [
        { coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role', code: 'midlertidig-koordinator' }] },
      ],
      member: { reference: 'urn:uuid:5e7fa22d-054e-5f0f-af31-0f8816808804' },
    });
    b.entry?.push({
      fullUrl: 'urn:uuid:5e7fa22d-054e-5f0f-af31-0f8816808804',
      resource: {
        resourceType: 'Practitioner',
        id: 'lege',
        identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144900' }],
      },
    });
    expect(errorsOf(b)).toEqual([]);
  });

  test('a 14-year-old consenting alone', () => {
    const b = contractExample('ip-plan-copy');
    const patient = entryById(b, 'pas');
    const fnr = makeSyntheticFodselsnummer('2012-06-01', 600);
    patient.birthDate = '2012-06-01';
    patient.identifier[0].value = fnr;
    expectError(
      b,
      /was 14 when consenting alone: under 16 a parent or guardian/,
      'Bundle.entry[6].resource.performer[0]'
    );
  });

  test('a parent consenting for a 14-year-old is right; for a 21-year-old it is not', () => {
    const young = contractExample('ip-plan-copy');
    entryById(young, 'pas').birthDate = '2012-06-01';
    entryById(young, 'pas').identifier[0].value = makeSyntheticFodselsnummer('2012-06-01', 600);
    for (const id of ['ipsamtykke', 'fritak']) {
      const c = entryById(young, id);
      c.performer = [{ reference: 'urn:uuid:2a422a0a-878a-59cc-8138-aa592283afac' }];
      c.extension = [{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-consenter-role', valueCode: 'foresatt' }];
    }
    expect(errorsOf(young)).toEqual([]);
    const adult = contractExample('ip-plan-copy');
    const c = entryById(adult, 'ipsamtykke');
    c.performer = [{ reference: 'urn:uuid:2a422a0a-878a-59cc-8138-aa592283afac' }];
    c.extension = [{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-consenter-role', valueCode: 'foresatt' }];
    expectError(
      adult,
      /was 21 at the time of consent: from 16 they consent for themselves/,
      'Bundle.entry[5].resource.performer[0]'
    );
  });

  test('a representative without a recorded reason', () => {
    const b = contractExample('ip-plan-copy');
    const c = entryById(b, 'ipsamtykke');
    c.performer = [{ reference: 'urn:uuid:2a422a0a-878a-59cc-8138-aa592283afac' }];
    c.extension = [{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-consenter-role', valueCode: 'representant' }];
    expectError(b, /representative consented without a recorded reason/, 'Bundle.entry[5].resource.extension');
    c.extension.push({
      url: 'http://ipbro.no/fhir/StructureDefinition/ip-representation-reason',
      valueString: 'Mangler samtykkekompetanse etter hjerneslag, vurdert av lege 2026-11-20',
    });
    expect(errorsOf(b)).toEqual([]);
  });

  test('a bad fødselsnummer check digit', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'pas').identifier[0].value = '12830551211';
    expectError(
      b,
      /Invalid fødselsnummer "12830551211": check digit 2/,
      'Bundle.entry[7].resource.identifier[0].value'
    );
  });

  test('a bad organisasjonsnummer', () => {
    const b = contractExample('meldeplikt');
    entryById(b, 'hmr').identifier[0].value = '997005563';
    expectError(b, /Invalid organisasjonsnummer "997005563"/, 'Bundle.entry[4].resource.identifier[0].value');
  });

  test('a revision date after the plan ends', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').activity[3].detail.scheduledPeriod = { start: '2028-01-10', end: '2028-01-10' };
    expectError(
      b,
      /review date 2028-01-10 lies outside the plan period/,
      'Bundle.entry[1].resource.activity[3].detail.scheduledPeriod.start'
    );
  });

  test('a period that starts after it ends', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').period = { start: '2027-11-21', end: '2026-11-21' };
    expectError(b, /starts \(2027-11-21\) on or after it ends/, 'Bundle.entry[1].resource.period');
  });

  test('a missing plan consent', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ipsamtykke').status = 'inactive';
    expectError(b, /No active consent to the plan/, 'Bundle.entry[1].resource.supportingInfo');
  });

  test('a wrong code: careteam role "sjef"', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'team').participant[3].role[0].coding[0].code = 'sjef';
    expectError(
      b,
      /Code "sjef" is not in http:\/\/ipbro.no\/fhir\/CodeSystem\/ip-careteam-role; allowed: koordinator/,
      'Bundle.entry[2].resource.participant[3].role[0].coding[0].code'
    );
  });

  test('a measure with no one responsible', () => {
    const b = contractExample('ip-plan-copy');
    delete entryById(b, 'ip').activity[2].detail.performer;
    expectError(
      b,
      /"Arbeidsavklaring" has no one responsible/,
      'Bundle.entry[1].resource.activity[2].detail.performer'
    );
  });

  test('a reference to the wrong target type is an error, not a warning', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').careTeam[0].reference = 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217'; // the Patient
    expectError(
      b,
      /CarePlan.careTeam must reference CareTeam, but .* is a Patient/,
      'Bundle.entry[1].resource.careTeam[0].reference'
    );
  });

  test('an extension with the wrong value type, and an unknown one of ours', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').activity[0].detail.extension = [
      { url: 'http://ipbro.no/fhir/StructureDefinition/ip-measure-scope', valueInteger: 2 },
    ];
    expectError(
      b,
      /ip-measure-scope takes valueString, not valueInteger/,
      'Bundle.entry[1].resource.activity[0].detail.extension[0].valueInteger'
    );
    entryById(b, 'ip').extension = [{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-nonsense', valueString: 'x' }];
    expectError(b, /Unknown IP-bro extension/, 'Bundle.entry[1].resource.extension[0].url');
  });

  test('a complex extension missing a part, with a code outside its value set', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').extension = [
      {
        url: 'http://ipbro.no/fhir/StructureDefinition/ip-life-area-assessment',
        extension: [
          { url: 'lifeArea', valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'bolig' } },
          { url: 'kind', valueCode: 'wish' },
        ],
      },
    ];
    expectError(b, /needs its part text/, 'Bundle.entry[1].resource.extension[0]');
    expectError(
      b,
      /Code "wish" is not in .*ip-assessment-kind/,
      'Bundle.entry[1].resource.extension[0].extension[1].valueCode'
    );
  });

  test('a profile breach: a CarePlan without the A02-2 category slice is not an IP; with it but no period it breaks ip-careplan', () => {
    const b = contractExample('ip-plan-copy');
    delete entryById(b, 'ip').period;
    expectError(b, /Missing required property \(profile ip-careplan\)/, 'Bundle.entry[1].resource.period');
  });
});

describe("broken messages fail with the contract's rules", () => {
  test('an unknown event', () => {
    const b = contractExample('meldeplikt');
    (b.entry?.[0].resource as any).eventCoding.code = 'hastemelding';
    expectError(b, /Unknown event "hastemelding"/, 'Bundle.entry[0].resource.eventCoding');
  });

  test('a meldeplikt without home kommune', () => {
    const b = contractExample('meldeplikt');
    delete entryById(b, 'pas').address[0]._district;
    expectError(b, /no home kommune/, 'Bundle.entry[2].resource.address');
  });

  test('a meldeplikt without consent to notify', () => {
    const b = contractExample('meldeplikt');
    const task = entryById(b, 'melding');
    task.input = task.input.filter((i: any) => !i.valueReference);
    expectError(b, /needs the consent to notify the kommune/, 'Bundle.entry[1].resource.input');
  });

  test('a meldeplikt whose consent was withdrawn', () => {
    const b = contractExample('meldeplikt');
    entryById(b, 'melding').status = 'requested';
    (b.entry?.find((e) => e.resource?.resourceType === 'Consent')?.resource as any).status = 'inactive';
    expectError(b, /consent to notify the kommune is not active/, 'Bundle.entry[5].resource.status');
  });

  test('a meldeplikt whose consent has a provision that does not say yes (no type)', () => {
    const b = contractExample('meldeplikt');
    delete (b.entry?.find((e) => e.resource?.resourceType === 'Consent')?.resource as any).provision.type;
    expectError(
      b,
      /consent to notify the kommune does not say yes \(no provision.type\)/,
      'Bundle.entry[5].resource.provision.type'
    );
  });

  test('a plan copy without its CareTeam', () => {
    const b = contractExample('ip-plan-copy');
    b.entry = b.entry?.filter((e) => e.resource?.resourceType !== 'CareTeam');
    expectError(b, /must carry the plan's CareTeam/, 'Bundle.entry[1].resource.careTeam');
  });

  test('a handover needs both koordinators', () => {
    const b = contractExample('ip-plan-copy');
    (b.entry?.[0].resource as any).eventCoding.code = 'koordinator-handover';
    expectError(b, /koordinator-handover needs a midlertidig-koordinator/, 'Bundle.entry[2].resource.participant');
  });

  test('an epikrise that is not PDF or XML, or not base64', () => {
    const b = contractExample('epikrise');
    const doc = entryById(b, 'epi');
    doc.content[0].attachment.contentType = 'text/plain';
    doc.content[0].attachment.data = 'not base64!';
    expectError(b, /must be PDF or XML/, 'Bundle.entry[1].resource.content[0].attachment.contentType');
    expectError(b, /as base64 data/, 'Bundle.entry[1].resource.content[0].attachment.data');
  });

  test(
    'an epikrise carrying a 20 MB PDF is valid (base64Binary has no 1 MB cap, and is checked without ' +
      'regexp backtracking); a string over 1 MB is not',
    () => {
      const b = contractExample('epikrise');
      entryById(b, 'epi').content[0].attachment.data = Buffer.alloc(20 * 1024 * 1024, 7).toString('base64');
      expect(errorsOf(b)).toEqual([]);
      entryById(b, 'epi').content[0].attachment.data = `${'A'.repeat(4 * 1024 * 1024)}A=A=`;
      expectError(b, /Invalid base64Binary format/, 'Bundle.entry[1].resource.content[0].attachment.data');
      const long = contractExample('epikrise');
      entryById(long, 'epi').content[0].attachment.title = 'x'.repeat(1024 * 1024 + 1);
      expectError(long, /String cannot be larger than 1 MB/, 'Bundle.entry[1].resource.content[0].attachment.title');
    }
  );

  test('a message id that is not a FHIR id (too long, spaces, other letters) is refused; 64 of the allowed characters pass', () => {
    for (const id of ['x'.repeat(65), 'a b', 'ø'.repeat(10), 'id/with/slash']) {
      const b = contractExample('meldeplikt');
      b.entry![0].resource!.id = id;
      expectError(b, /must be a FHIR id/, 'Bundle.entry[0].resource.id');
    }
    const ok = contractExample('meldeplikt');
    ok.entry![0].resource!.id = `A-z.0${'9'.repeat(59)}`;
    expect(errorsOf(ok)).toEqual([]);
  });

  test('a receipt with a code we do not know', () => {
    const b = contractExample('receipt-ok');
    (b.entry?.[0].resource as any).response.code = 'maybe';
    expectError(b, /Receipt code "maybe"/, 'Bundle.entry[0].resource.response.code');
  });

  test("a receipt may answer IP-bro's own revision-reminder; no sender may send one", () => {
    const receipt = contractExample('receipt-ok');
    (receipt.entry?.[0].resource as any).eventCoding.code = 'revision-reminder';
    expect(errorsOf(receipt)).toEqual([]);
    const sent = contractExample('meldeplikt');
    (sent.entry?.[0].resource as any).eventCoding.code = 'revision-reminder';
    expectError(sent, /sent by IP-bro only/, 'Bundle.entry[0].resource.eventCoding');
  });

  test('validateMessage refuses what is not a message; assertValid throws 422 with every issue', () => {
    expect(() => validateMessage({ resourceType: 'Bundle', type: 'collection' } as Bundle)).toThrow(OutcomeError);
    const b = contractExample('meldeplikt');
    entryById(b, 'pas').identifier[0].value = '12830551211';
    try {
      assertValid(b, { now: NOW });
      throw new Error('expected 422');
    } catch (err) {
      expect((err as OutcomeError).status).toBe(422);
      expect(JSON.stringify((err as OutcomeError).outcome)).toContain('check digit 2');
    }
    expect(() => assertValid([1, 2, 3])).toThrow(expect.objectContaining({ status: 400 }));
  });

  test('a reference to an entry whose resourceType is not a string is an error, never an exception (found by the fuzz)', () => {
    const b = contractExample('epikrise');
    (b.entry![3].resource as unknown as Record<string, unknown>).resourceType = { toString: ['evil', [null, 1]] };
    let outcome: OperationOutcome | undefined;
    expect(() => {
      outcome = validateMessage(b, { now: NOW });
    }).not.toThrow();
    expect(errors(outcome!).length).toBeGreaterThan(0);
  });

  test('not a resource at all is one clear error, never an exception', () => {
    for (const input of [null, 5, 'x', [], {}, { resourceType: 5 }]) {
      expect(errors(validate(input)).length).toBeGreaterThan(0);
    }
  });
});

describe('identifier systems are valid URIs', () => {
  test("the contract examples' own identifiers use http://ipbro.no/fhir/sid/org/{orgnr}/{kind} and draw no warning", () => {
    for (const name of ['ip-plan-copy', 'epikrise'] as const) {
      const text = JSON.stringify(contractExample(name));
      expect(text).toMatch(/"system":"http:\/\/ipbro\.no\/fhir\/sid\/org\/\d{9}\/(ip|dok)"/);
      expect(validate(contractExample(name), { now: NOW }).issue?.filter((i) => i.severity === 'warning')).toEqual([]);
    }
  });

  test('the former urn:oid:…4.1.4.101/{orgnr}/ip is read with a warning at the system, never an error', () => {
    const b = contractExample('ip-plan-copy');
    entryById(b, 'ip').identifier[0].system = 'urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip';
    const outcome = validate(b, { now: NOW });
    expect(errors(outcome)).toEqual([]);
    expect(outcome.issue?.filter((i) => i.severity === 'warning')).toEqual([
      expect.objectContaining({
        code: 'value',
        diagnostics: expect.stringMatching(/not a valid URI .*http:\/\/ipbro\.no\/fhir\/sid\/org\//),
        expression: ['Bundle.entry[1].resource.identifier[0].system'],
      }),
    ]);
  });
});
