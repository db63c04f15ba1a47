import type { Patient } from '@medplum/fhirtypes';
import { homeKommuneOf } from './home-kommune';
import { contractExample } from './test-support/fixtures';

const EXT = 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode';
/** A Patient with these addresses; `_district` (FHIR JSON's primitive extension) is not in fhirtypes' Address. */
const withAddresses = (address: unknown[]): Patient => ({ resourceType: 'Patient', address }) as unknown as Patient;
const district = (code: string) => ({
  extension: [{ url: EXT, valueCoding: { system: 'urn:oid:2.16.578.1.12.4.1.1.3402', code } }],
});

describe('homeKommuneOf', () => {
  test("the contract's patient lives in Ålesund (1508)", () => {
    const patient = contractExample('meldeplikt').entry?.[2].resource as Patient;
    expect(homeKommuneOf(patient)).toEqual({ kommunenummer: '1508', addressIndex: 0 });
  });

  test('the home address wins over the first', () => {
    const patient = withAddresses([
      { use: 'temp', _district: district('0301') },
      { use: 'home', _district: district('5001') },
    ]);
    expect(homeKommuneOf(patient)).toEqual({ kommunenummer: '5001', addressIndex: 1 });
  });

  test('without a home address, the first address', () => {
    const patient = withAddresses([{ use: 'work', _district: district('4601') }, { _district: district('0301') }]);
    expect(homeKommuneOf(patient)).toEqual({ kommunenummer: '4601', addressIndex: 0 });
  });

  test('a home address without the code has no home kommune, whatever other addresses say', () => {
    const patient = withAddresses([
      { use: 'temp', _district: district('0301') },
      { use: 'home', city: 'Molde' },
    ]);
    expect(homeKommuneOf(patient)).toBeUndefined();
  });

  test('missing or odd shapes give undefined', () => {
    expect(homeKommuneOf({ resourceType: 'Patient' })).toBeUndefined();
    expect(homeKommuneOf({ resourceType: 'Patient', address: [] })).toBeUndefined();
    expect(homeKommuneOf({ resourceType: 'Patient', address: [{ district: 'Ålesund' }] })).toBeUndefined();
    const otherExtension = withAddresses([
      { _district: { extension: [{ url: 'http://example.test/x', valueCoding: { code: '1508' } }] } },
    ]);
    expect(homeKommuneOf(otherExtension)).toBeUndefined();
    const noCode = withAddresses([{ _district: { extension: [{ url: EXT, valueCoding: { display: 'Ålesund' } }] } }]);
    expect(homeKommuneOf(noCode)).toBeUndefined();
  });
});
