import { validateIpDocument } from './index';
import type { IpDocument } from './ip-document';
import { generateIpDocument } from './test-support/ip-document-generator';

const issuesOf = (doc: unknown) => (validateIpDocument(doc).issue ?? []).filter((i) => i.severity === 'error');
const at = (doc: unknown, expression: string) =>
  issuesOf(doc).find((i) => i.expression?.[0] === expression)?.diagnostics;
const copy = (n: number): IpDocument => structuredClone(generateIpDocument(n));

test('a valid document answers one informational issue', () => {
  expect(validateIpDocument(generateIpDocument(1))).toEqual({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }],
  });
});

test('schema breaches: each with its path and a plain diagnostic', () => {
  const doc = copy(1) as unknown as Record<string, any>;
  doc.measures = [
    { key: 't1', title: 'Fysioterapi', status: 'scheduled', responsible: [] },
    { key: 't2', title: 'Ergoterapi', status: 'scheduled', responsible: [{}] },
  ];
  delete doc.period;
  doc.goals = [{ key: 'g1', lifeArea: 'hobby', text: 'Gå tur', status: 'active' }];
  doc.person.extra = 1;
  doc.person.birthDate = '12.03.2005';
  doc.plan.ownerOrgnr = '94295311';
  expect(at(doc, 'IpDocument.measures[0].responsible')).toBe(
    'IpDocument.measures[0].responsible must NOT have fewer than 1 items (At least one responsible: ' +
      'participant keys and/or free-text names)'
  );
  expect(at(doc, 'IpDocument.measures[1].responsible[0]')).toContain('must NOT have fewer than 1 properties');
  expect(at(doc, 'IpDocument.period')).toBe('IpDocument.period is required');
  expect(at(doc, 'IpDocument.goals[0].lifeArea')).toBe(
    'IpDocument.goals[0].lifeArea must be one of "helse-omsorg", "dagtid-arbeid-skole", "bolig", "fritid", "okonomi", "sosialt-nettverk"'
  );
  expect(at(doc, 'IpDocument.person')).toBe('IpDocument.person has an unknown property "extra"');
  expect(at(doc, 'IpDocument.person.birthDate')).toBe(
    'IpDocument.person.birthDate must match pattern "^\\d{4}-\\d{2}-\\d{2}$" (A date, YYYY-MM-DD)'
  );
  expect(at(doc, 'IpDocument.plan.ownerOrgnr')).toContain('(An organisasjonsnummer (Enhetsregisteret), 9 digits)');
});

test('keys that do not hang together: dangling references and duplicate keys, each where it is', () => {
  const doc = copy(2);
  doc.measures = [
    {
      key: 't1',
      title: 'Fysioterapi',
      status: 'scheduled',
      responsible: [{ participant: 'nobody' }],
      goals: ['g-missing'],
    },
    { key: 't1', title: 'Ergoterapi', status: 'scheduled', responsible: [{ name: 'PPT' }] },
  ];
  doc.goals = [{ key: 'koord', lifeArea: 'bolig', text: 'Bo trygt', status: 'active' }];
  doc.consents[0].givenBy = 'kommune';
  doc.cooperation = [{ organisation: 'ghost' }];
  doc.participants.push({ key: 'kommune', kind: 'practitioner', role: 'tjenesteyter' });
  doc.participants.push({ key: 'someone', kind: 'person', role: 'bruker' });
  expect(at(doc, 'IpDocument.measures[0].responsible[0].participant')).toBe(
    'IpDocument.measures[0].responsible[0].participant: "nobody" names no participant; expected a participant'
  );
  expect(at(doc, 'IpDocument.measures[0].goals[0]')).toBe(
    'IpDocument.measures[0].goals[0]: "g-missing" names no goal of the plan'
  );
  expect(at(doc, 'IpDocument.measures[1].key')).toContain('"t1" is used by another measure or review');
  expect(at(doc, 'IpDocument.consents[0].givenBy')).toBe(
    'IpDocument.consents[0].givenBy: "kommune" is an organisation; expected the person or a relative'
  );
  expect(at(doc, 'IpDocument.cooperation[0].organisation')).toContain('"ghost" names no participant');
  expect(at(doc, `IpDocument.participants[${doc.participants.length - 2}].kind`)).toBe(
    `IpDocument.participants[${doc.participants.length - 2}].kind: participant "kommune" is listed before as organisation`
  );
  expect(at(doc, `IpDocument.participants[${doc.participants.length - 1}].key`)).toContain(
    'a participant of kind person is the plan\'s person, key "pas"'
  );
  // The goal took the koordinator's key: the second claimant of a key is the one flagged.
  expect(
    issuesOf(doc).some((i) => /key "koord" is already used by IpDocument.goals\[0\].key/.test(i.diagnostics ?? ''))
  ).toBe(true);
});

test('anything that is not a document is refused with a clear error', () => {
  for (const input of [null, 5, 'plan', [], {}]) {
    const issues = issuesOf(input);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].expression?.[0]).toMatch(/^IpDocument/);
  }
  expect(at({}, 'IpDocument.plan')).toBe('IpDocument.plan is required');
});
