import { IDENTIFIER_SYSTEMS, identifierSystemName, MUNICIPALITY_CODE_EXTENSION } from './identifier-systems';

describe('identifier systems', () => {
  test('the HL7 Norway no-basis OIDs', () => {
    expect(IDENTIFIER_SYSTEMS.fodselsnummer).toBe('urn:oid:2.16.578.1.12.4.1.4.1');
    expect(IDENTIFIER_SYSTEMS.dNummer).toBe('urn:oid:2.16.578.1.12.4.1.4.2');
    expect(IDENTIFIER_SYSTEMS.fhNummer).toBe('urn:oid:2.16.578.1.12.4.1.4.3');
    expect(IDENTIFIER_SYSTEMS.hprNummer).toBe('urn:oid:2.16.578.1.12.4.1.4.4');
    expect(IDENTIFIER_SYSTEMS.organisasjonsnummer).toBe('urn:oid:2.16.578.1.12.4.1.4.101');
    expect(IDENTIFIER_SYSTEMS.reshId).toBe('urn:oid:2.16.578.1.12.4.1.4.102');
    expect(IDENTIFIER_SYSTEMS.herId).toBe('urn:oid:2.16.578.1.12.4.1.2');
    expect(IDENTIFIER_SYSTEMS.kommunenummer).toBe('urn:oid:2.16.578.1.12.4.1.1.3402');
    expect(MUNICIPALITY_CODE_EXTENSION).toBe('http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode');
  });
  test('names by system', () => {
    expect(identifierSystemName('urn:oid:2.16.578.1.12.4.1.4.101')).toBe('organisasjonsnummer');
    expect(identifierSystemName('urn:oid:2.16.578.1.12.4.1.2')).toBe('herId');
    expect(identifierSystemName('http://ipbro.no/fhir/sid/org/942953119/ip')).toBeUndefined();
    expect(identifierSystemName(undefined)).toBeUndefined();
  });
});
