import type { Organization, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const bundle = ipDocumentToFhir(sampleDocument());

test('the person: fødselsnummer, name, birth date, home address with the kommunenummer, languages and interpreter', () => {
  expect(resourceIn<Patient>(bundle, 'Patient', 'pas')).toEqual({
    resourceType: 'Patient',
    id: 'pas',
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired', valueBoolean: true }],
    identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12830551210' }],
    name: [{ family: 'Nordmann', given: ['Ola'] }],
    birthDate: '2005-03-12',
    address: [
      {
        use: 'home',
        line: ['Storgata 1'],
        postalCode: '6002',
        city: 'Ålesund',
        _district: {
          extension: [
            {
              url: 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode',
              valueCoding: { system: 'urn:oid:2.16.578.1.12.4.1.1.3402', code: '1508', display: 'Ålesund' },
            },
          ],
        },
      },
    ],
    communication: [
      { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ar' }] }, preferred: true },
      { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'nb' }] } },
    ],
  });
});

test('a D-nummer goes in its own system; fødselsnummer is preferred when a Patient has both', () => {
  const doc = sampleDocument();
  doc.person.personNumber = { kind: 'd-nummer', value: '52830550097' };
  const b = ipDocumentToFhir(doc);
  const patient = resourceIn<Patient>(b, 'Patient', 'pas');
  expect(patient.identifier).toEqual([{ system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: '52830550097' }]);
  patient.identifier?.push({ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12830551210' });
  expect(fhirToIpDocument(b).person.personNumber).toEqual({ kind: 'fodselsnummer', value: '12830551210' });
});

test('the home address is read even when it is not the first', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const patient = resourceIn<Patient>(b, 'Patient', 'pas');
  patient.address = [{ use: 'temp', city: 'Oslo' }, ...(patient.address ?? [])];
  expect(fhirToIpDocument(b).person.address).toMatchObject({ use: 'home', kommunenummer: '1508' });
});

test('organisations carry orgnr and HER-id; relatives an identifier derived from the plan and their relationship', () => {
  expect(resourceIn<Organization>(bundle, 'Organization', 'hmr')).toEqual({
    resourceType: 'Organization',
    id: 'hmr',
    identifier: [
      { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' },
      { system: 'urn:oid:2.16.578.1.12.4.1.2', value: '8094512' },
    ],
    name: 'Helse Møre og Romsdal HF',
  });
  expect(resourceIn<RelatedPerson>(bundle, 'RelatedPerson', 'mor')).toEqual({
    resourceType: 'RelatedPerson',
    id: 'mor',
    identifier: [{ system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042-relatedperson-mor' }],
    patient: refTo(bundle, 'Patient', 'pas'),
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
    name: [{ family: 'Nordmann', given: ['Anne'] }],
  });
});

test('a Patient without a person number is refused with where', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const patient = resourceIn<Patient>(b, 'Patient', 'pas');
  patient.identifier = [{ system: 'urn:oid:2.16.578.1.12.4.1.4.3', value: '123' }];
  expect(() => fhirToIpDocument(b)).toThrow(
    expect.objectContaining({
      status: 422,
      outcome: expect.objectContaining({
        issue: [expect.objectContaining({ expression: ['Bundle.entry[1].resource.identifier'] })],
      }),
    })
  );
});
