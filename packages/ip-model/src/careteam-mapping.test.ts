import type { CareTeam, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const ROLE = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const role = (code: string) => [{ coding: [{ system: ROLE, code }] }];
const bundle = ipDocumentToFhir(sampleDocument());
const team = resourceIn<CareTeam>(bundle, 'CareTeam', 'team');

test('§ 19 b: everyone with a role is a CareTeam participant, in order, with member and organisation', () => {
  expect(team).toMatchObject({
    identifier: [{ system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042-team' }],
    status: 'active',
    subject: refTo(bundle, 'Patient', 'pas'),
  });
  expect(team.participant?.map((p) => [p.role?.[0].coding?.[0].code, p.member?.reference])).toEqual([
    ['koordinator', refTo(bundle, 'Practitioner', 'koord').reference],
    ['bruker', refTo(bundle, 'Patient', 'pas').reference],
    ['midlertidig-koordinator', refTo(bundle, 'Practitioner', 'hfkoord').reference],
    ['paarorende', refTo(bundle, 'RelatedPerson', 'mor').reference],
    ['tjenesteyter', refTo(bundle, 'Organization', 'hmr').reference],
    ['verge', refTo(bundle, 'RelatedPerson', 'mor').reference],
  ]);
  expect(team.managingOrganization).toEqual([refTo(bundle, 'Organization', 'alesund')]);
});

test("§ 19 c: the koordinator acts for the kommune; the hospital's midlertidig-koordinator for the HF, with a period", () => {
  expect(team.participant?.[0]).toEqual({
    role: role('koordinator'),
    member: refTo(bundle, 'Practitioner', 'koord'),
    onBehalfOf: refTo(bundle, 'Organization', 'alesund'),
  });
  expect(team.participant?.[2]).toEqual({
    role: role('midlertidig-koordinator'),
    member: refTo(bundle, 'Practitioner', 'hfkoord'),
    onBehalfOf: refTo(bundle, 'Organization', 'hmr'),
    period: { start: '2026-11-15', end: '2026-12-15' },
  });
  expect(resourceIn<Practitioner>(bundle, 'Practitioner', 'koord').identifier).toEqual([
    { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '5512345' },
  ]);
});

test('someone with two roles is one resource; participants only named are not in the CareTeam', () => {
  expect(bundle.entry?.filter((e) => e.resource?.id === 'mor')).toHaveLength(1);
  expect(resourceIn<RelatedPerson>(bundle, 'RelatedPerson', 'mor').name).toEqual([
    { family: 'Nordmann', given: ['Anne'] },
  ]);
  const members = team.participant?.map((p) => p.member?.reference);
  expect(members).not.toContain(refTo(bundle, 'Organization', 'nav').reference);
  expect(members).not.toContain(refTo(bundle, 'Organization', 'alesund').reference);
  expect(fhirToIpDocument(bundle).participants).toEqual(sampleDocument().participants);
});

test('a participant without an ip-careteam-role coding, or whose member does not resolve, is refused with where', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const t = resourceIn<CareTeam>(b, 'CareTeam', 'team');
  t.participant = [
    { role: [{ text: 'koordinator' }], member: refTo(b, 'Practitioner', 'koord') },
    { role: role('bruker'), member: { reference: 'Patient/nobody' } },
  ];
  const index = b.entry?.findIndex((e) => e.resource === t);
  expect(() => fhirToIpDocument(b)).toThrow(
    expect.objectContaining({
      status: 422,
      outcome: expect.objectContaining({
        issue: [
          expect.objectContaining({
            code: 'code-invalid',
            expression: [`Bundle.entry[${index}].resource.participant[0].role`],
          }),
          expect.objectContaining({
            code: 'not-found',
            expression: [`Bundle.entry[${index}].resource.participant[1].member.reference`],
          }),
        ],
      }),
    })
  );
});
