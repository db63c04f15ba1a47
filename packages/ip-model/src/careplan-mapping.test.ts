import type { CarePlan } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const EXT = 'http://ipbro.no/fhir/StructureDefinition/';
const bundle = ipDocumentToFhir(sampleDocument());
const plan = resourceIn<CarePlan>(bundle, 'CarePlan', 'ip');

test("plan identity: identifier in the owner's system, IP category, status, title, created, author, version", () => {
  expect(plan.identifier).toEqual([{ system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042' }]);
  expect(plan.category).toEqual([
    { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2', display: 'Individuell plan' }] },
  ]);
  expect(plan).toMatchObject({
    status: 'active',
    intent: 'plan',
    title: 'Individuell plan for Ola Nordmann',
    created: '2026-11-21',
    meta: { versionId: '3', lastUpdated: '2026-11-22T10:00:00+01:00' },
  });
  expect(plan.author).toEqual(refTo(bundle, 'Practitioner', 'koord'));
  expect(plan.subject).toEqual(refTo(bundle, 'Patient', 'pas'));
  expect(plan.careTeam).toEqual([refTo(bundle, 'CareTeam', 'team')]);
});

test('§ 19 a: resources and needs by life area as ip-life-area-assessment; goals referenced in order', () => {
  expect(plan.extension?.filter((e) => e.url === `${EXT}ip-life-area-assessment`)).toEqual([
    {
      url: `${EXT}ip-life-area-assessment`,
      extension: [
        {
          url: 'lifeArea',
          valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'sosialt-nettverk' },
        },
        { url: 'kind', valueCode: 'resource' },
        { url: 'text', valueString: 'God støtte fra mor' },
      ],
    },
    {
      url: `${EXT}ip-life-area-assessment`,
      extension: [
        { url: 'lifeArea', valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'bolig' } },
        { url: 'kind', valueCode: 'need' },
        { url: 'text', valueString: 'Trenger tilrettelagt bolig' },
      ],
    },
  ]);
  expect(plan.goal).toEqual([refTo(bundle, 'Goal', 'g1'), refTo(bundle, 'Goal', 'g2')]);
});

test('cultural and language background: ip-cultural-considerations on the CarePlan', () => {
  expect(plan.extension?.find((e) => e.url === `${EXT}ip-cultural-considerations`)).toEqual({
    url: `${EXT}ip-cultural-considerations`,
    valueString: 'Tolk ved møter; hensyn til ramadan ved avtaler.',
  });
});

test('§ 19 d: contributions as notes, with who contributes as authorReference (or authorString)', () => {
  expect(plan.note).toEqual([
    { authorReference: refTo(bundle, 'Patient', 'pas'), text: 'Bruker trener daglig' },
    { authorReference: refTo(bundle, 'RelatedPerson', 'mor'), text: 'Mor kjører til fysioterapi' },
    { authorString: 'Naboen', text: 'Naboen handler på lørdager' },
  ]);
});

test('§ 19 f and g: how the plan is carried out in description; the plan period in period', () => {
  expect(plan.description).toBe('Ansvarsgruppemøte hver sjette uke.');
  expect(plan.period).toEqual({ start: '2026-11-21', end: '2027-11-21' });
});

test("§ 19 h: the consents are the plan's supportingInfo", () => {
  expect(plan.supportingInfo).toEqual([refTo(bundle, 'Consent', 'ipsamtykke'), refTo(bundle, 'Consent', 'fritak')]);
});

test('§ 19 i: cooperation as contributor references with ip-cooperation-description', () => {
  expect(plan.contributor).toEqual([
    {
      extension: [{ url: `${EXT}ip-cooperation-description`, valueString: 'Arbeidsavklaring og økonomi' }],
      ...refTo(bundle, 'Organization', 'nav'),
    },
    refTo(bundle, 'Organization', 'hmr'),
  ]);
});

test('a malformed assessment or a plan without identifier or period start is refused with where', () => {
  const broken = ipDocumentToFhir(sampleDocument());
  const p = broken.entry?.[0].resource as CarePlan;
  p.extension = [{ url: `${EXT}ip-life-area-assessment`, extension: [{ url: 'kind', valueCode: 'want' }] }];
  delete p.identifier;
  p.period = { end: '2027-01-01' };
  try {
    fhirToIpDocument(broken);
    throw new Error('expected a 422');
  } catch (err) {
    const e = err as { status: number; outcome: { issue: { expression: string[] }[] } };
    expect(e.status).toBe(422);
    expect(e.outcome.issue.map((i) => i.expression[0])).toEqual([
      'Bundle.entry[0].resource.identifier',
      'Bundle.entry[0].resource.period.start',
      'Bundle.entry[0].resource.extension[0]',
    ]);
  }
});
