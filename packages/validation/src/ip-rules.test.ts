import type { Bundle, CarePlan, CareTeam, CareTeamParticipant, Consent, RelatedPerson } from '@medplum/fhirtypes';
import { carePlanRules, consentRule, isActive, koordinatorRule } from './ip-rules';

// The rules of the law on hand-built resources (no profiles, no contract examples).
const NOW = new Date('2026-11-24T12:00:00+01:00');
const ROLE = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const EXT = 'http://ipbro.no/fhir/StructureDefinition/';
const V3_ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const participant = (role: string, end?: string): CareTeamParticipant => ({
  role: [{ coding: [{ system: ROLE, code: role }] }],
  member: { display: role },
  ...(end ? { period: { start: '2026-01-01', end } } : {}),
});
const team = (...participants: CareTeamParticipant[]): CareTeam => ({
  resourceType: 'CareTeam',
  participant: participants,
});
const diagnostics = (issues: { diagnostics?: string }[]): string[] => issues.map((i) => i.diagnostics ?? '');

describe('isActive', () => {
  test('no period, or an end after now, is active; an ended or not yet started period is not', () => {
    expect(isActive(undefined, NOW)).toBe(true);
    expect(isActive({ start: '2026-01-01', end: '2027-01-01' }, NOW)).toBe(true);
    expect(isActive({ start: '2026-01-01', end: '2026-11-01' }, NOW)).toBe(false);
    expect(isActive({ start: '2026-12-01' }, NOW)).toBe(false);
  });
});

describe('exactly one active koordinator', () => {
  test('one koordinator, beside a midlertidig-koordinator and others: fine', () => {
    expect(
      koordinatorRule(
        team(participant('koordinator'), participant('midlertidig-koordinator'), participant('bruker')),
        'CareTeam',
        NOW
      )
    ).toEqual([]);
  });

  test('two active koordinators: one error naming both', () => {
    const issues = koordinatorRule(
      team(participant('koordinator'), participant('bruker'), participant('koordinator')),
      'CareTeam',
      NOW
    );
    expect(diagnostics(issues)).toEqual([expect.stringMatching(/2 active koordinators \(participant 0, 2\)/)]);
    expect(issues[0].expression).toEqual(['CareTeam.participant[0]', 'CareTeam.participant[2]']);
  });

  test("before handover (plan draft or active) the hospital's midlertidig-koordinator alone is the koordinator the law wants", () => {
    const hospital = team(participant('midlertidig-koordinator'), participant('bruker'));
    expect(koordinatorRule(hospital, 'CareTeam', NOW, 'active')).toEqual([]);
    expect(koordinatorRule(hospital, 'CareTeam', NOW, 'draft')).toEqual([]);
  });

  test('after that (on-hold, completed, revoked, no status) a midlertidig-koordinator alone is none; nor two, or one that ended', () => {
    const hospital = team(participant('midlertidig-koordinator'), participant('bruker'));
    for (const status of ['on-hold', 'completed', 'revoked', 'entered-in-error', undefined]) {
      const issues = koordinatorRule(hospital, 'CareTeam', NOW, status);
      const said = new RegExp(
        `no active koordinator: .*only before handover \\(plan draft or active, not ${status}\\)`
      );
      expect({ status, d: diagnostics(issues) }).toEqual({ status, d: [expect.stringMatching(said)] });
      expect(issues[0].expression).toEqual(['CareTeam.participant']);
    }
    const temporary = participant('midlertidig-koordinator');
    const two = koordinatorRule(team(temporary, temporary), 'CareTeam', NOW, 'active');
    expect(diagnostics(two)).toEqual([
      expect.stringMatching(/no active koordinator/),
      expect.stringMatching(/2 active midlertidige/),
    ]);
    const ended = koordinatorRule(
      team(participant('midlertidig-koordinator', '2026-06-30')),
      'CareTeam',
      NOW,
      'active'
    );
    expect(diagnostics(ended)).toEqual([expect.stringMatching(/no active koordinator/)]);
  });

  test('a koordinator whose period ended does not count: none left is an error; its successor makes it right', () => {
    expect(diagnostics(koordinatorRule(team(participant('koordinator', '2026-06-30')), 'CareTeam', NOW))).toEqual([
      expect.stringMatching(/no active koordinator/),
    ]);
    expect(
      koordinatorRule(team(participant('koordinator', '2026-06-30'), participant('koordinator')), 'CareTeam', NOW)
    ).toEqual([]);
  });
});

/** A bundle with a patient born on `birthDate` and one consent given by `performer`. */
function consentBundle(
  birthDate: string,
  performer: 'self' | 'parent',
  extension: Consent['extension'] = [],
  dateTime = '2026-11-20'
): { bundle: Bundle; consent: Consent } {
  const consent: Consent = {
    resourceType: 'Consent',
    status: 'active',
    scope: { text: 'ip' },
    category: [{ coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-consent-category', code: 'ip-samtykke' }] }],
    patient: { reference: 'urn:uuid:p' },
    performer: [{ reference: performer === 'self' ? 'urn:uuid:p' : 'urn:uuid:r' }],
    dateTime,
    extension,
  };
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: 'urn:uuid:c', resource: consent },
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', birthDate } },
      { fullUrl: 'urn:uuid:r', resource: { resourceType: 'RelatedPerson', patient: { reference: 'urn:uuid:p' } } },
    ],
  };
  return { bundle, consent };
}
const rolesExt = (role: string, reason?: string): Consent['extension'] => [
  { url: `${EXT}ip-consenter-role`, valueCode: role },
  ...(reason ? [{ url: `${EXT}ip-representation-reason`, valueString: reason }] : []),
];

describe('who may consent, by age at the time of consent', () => {
  const check = (b: ReturnType<typeof consentBundle>) =>
    diagnostics(consentRule(b.bundle, { resource: b.consent, index: 0 }, NOW));

  test('16 or older consents for themselves', () => {
    expect(check(consentBundle('2010-11-19', 'self'))).toEqual([]); // 16 the day before
  });

  test('a 14-year-old consenting alone is an error', () => {
    expect(check(consentBundle('2012-06-01', 'self'))).toEqual([
      expect.stringMatching(/was 14 when consenting alone: under 16 a parent or guardian/),
    ]);
  });

  test('one day short of 16 is still under 16', () => {
    expect(check(consentBundle('2010-11-21', 'self'))).toEqual([expect.stringMatching(/was 15 when consenting alone/)]);
  });

  test('a parent (foresatt) consents for a 14-year-old; not for an adult', () => {
    expect(check(consentBundle('2012-06-01', 'parent', rolesExt('foresatt')))).toEqual([]);
    expect(check(consentBundle('1990-06-01', 'parent', rolesExt('foresatt')))).toEqual([
      expect.stringMatching(/was 36 at the time of consent/),
    ]);
  });

  test('someone else consenting must say in what capacity', () => {
    expect(check(consentBundle('2012-06-01', 'parent'))).toEqual([expect.stringMatching(/must say in what capacity/)]);
  });

  test('a mother or guardian of a 14-year-old need not say it: the relationship says foresatt; of an adult it says nothing', () => {
    for (const code of ['MTH', 'GUARD']) {
      const child = consentBundle('2012-06-01', 'parent');
      (child.bundle.entry![2].resource as RelatedPerson).relationship = [{ coding: [{ system: V3_ROLE, code }] }];
      expect(check(child)).toEqual([]);
      const adult = consentBundle('1990-06-01', 'parent');
      (adult.bundle.entry![2].resource as RelatedPerson).relationship = [{ coding: [{ system: V3_ROLE, code }] }];
      expect(check(adult)).toEqual([
        expect.stringMatching(/must say in what capacity: .*representant with the reason recorded/),
      ]);
    }
  });

  test('the extension, when there, is what counts: a mother who says representant needs the reason, for a child too', () => {
    const b = consentBundle('2012-06-01', 'parent', rolesExt('representant'));
    (b.bundle.entry![2].resource as RelatedPerson).relationship = [{ coding: [{ system: V3_ROLE, code: 'MTH' }] }];
    expect(check(b)).toEqual([expect.stringMatching(/representative consented without a recorded reason/)]);
  });

  test('a representative needs a recorded reason', () => {
    expect(check(consentBundle('1950-01-01', 'parent', rolesExt('representant')))).toEqual([
      expect.stringMatching(/representative consented without a recorded reason/),
    ]);
    expect(
      check(consentBundle('1950-01-01', 'parent', rolesExt('representant', 'Mangler samtykkekompetanse')))
    ).toEqual([]);
  });
});

describe('the plan itself', () => {
  const plan = (changes: Partial<CarePlan> = {}): CarePlan => ({
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    subject: { display: 'x' },
    period: { start: '2026-11-21', end: '2027-11-21' },
    activity: [
      {
        detail: {
          kind: 'ServiceRequest',
          code: { text: 'Hjemmesykepleie' },
          status: 'scheduled',
          performer: [{ display: 'Hjemmesykepleien' }],
        },
      },
      {
        detail: {
          kind: 'Appointment',
          code: { text: 'Revisjon av planen' },
          status: 'scheduled',
          scheduledPeriod: { start: '2027-05-21' },
        },
      },
    ],
    ...changes,
  });
  const check = (p: CarePlan) => carePlanRules({ resource: p, index: -1 }, undefined, NOW);

  test('a lawful plan: no issue', () => {
    expect(check(plan())).toEqual([]);
  });

  test('a revision after the plan ends; one before it starts', () => {
    const late = plan();
    late.activity![1].detail!.scheduledPeriod = { start: '2028-01-10' };
    expect(diagnostics(check(late))).toEqual([
      expect.stringMatching(/review date 2028-01-10 lies outside the plan period/),
    ]);
    expect(check(late)[0].expression).toEqual(['CarePlan.activity[1].detail.scheduledPeriod.start']);
    const early = plan();
    early.activity![1].detail!.scheduledPeriod = { start: '2026-01-10' };
    expect(diagnostics(check(early))).toEqual([expect.stringMatching(/lies outside the plan period/)]);
  });

  test('a review known only by its ip-plan-review coding; a review without a date', () => {
    const p = plan();
    p.activity![1].detail!.code = {
      coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-plan-review', code: 'evaluering' }],
    };
    delete p.activity![1].detail!.scheduledPeriod;
    expect(diagnostics(check(p))).toEqual([expect.stringMatching(/needs its date/)]);
  });

  test('a measure with no one responsible', () => {
    const p = plan();
    delete p.activity![0].detail!.performer;
    expect(diagnostics(check(p))).toEqual([expect.stringMatching(/"Hjemmesykepleie" has no one responsible/)]);
  });

  test('a period that ends before it starts', () => {
    expect(diagnostics(check(plan({ period: { start: '2027-01-01', end: '2026-12-01' }, activity: [] })))).toEqual([
      expect.stringMatching(/starts \(2027-01-01\) on or after it ends/),
    ]);
  });

  test('in a bundle: no plan without an active ip-samtykke consent', () => {
    const p = plan();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ fullUrl: 'urn:uuid:plan', resource: p }],
    };
    expect(diagnostics(carePlanRules({ resource: p, index: 0 }, bundle, NOW))).toEqual([
      expect.stringMatching(/No active consent to the plan/),
    ]);
    const { consent } = consentBundle('1990-01-01', 'self');
    bundle.entry!.push({ fullUrl: 'urn:uuid:c', resource: consent });
    p.supportingInfo = [{ reference: 'urn:uuid:c' }];
    expect(carePlanRules({ resource: p, index: 0 }, bundle, NOW)).toEqual([]);
    consent.provision = { period: { start: '2025-01-01', end: '2026-01-01' } }; // expired
    expect(diagnostics(carePlanRules({ resource: p, index: 0 }, bundle, NOW))).toEqual([
      expect.stringMatching(/No active consent to the plan/),
    ]);
  });
});
