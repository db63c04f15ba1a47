/** FHIR identifier systems of the national identifiers (HL7 Norway no-basis). */
export const IDENTIFIER_SYSTEMS = {
  fodselsnummer: 'urn:oid:2.16.578.1.12.4.1.4.1',
  dNummer: 'urn:oid:2.16.578.1.12.4.1.4.2',
  fhNummer: 'urn:oid:2.16.578.1.12.4.1.4.3',
  hprNummer: 'urn:oid:2.16.578.1.12.4.1.4.4',
  organisasjonsnummer: 'urn:oid:2.16.578.1.12.4.1.4.101',
  reshId: 'urn:oid:2.16.578.1.12.4.1.4.102',
  herId: 'urn:oid:2.16.578.1.12.4.1.2',
  kommunenummer: 'urn:oid:2.16.578.1.12.4.1.1.3402',
} as const;

export type IdentifierSystemName = keyof typeof IDENTIFIER_SYSTEMS;

/** The no-basis extension on Address.district carrying the kommunenummer (valueCoding, system IDENTIFIER_SYSTEMS.kommunenummer). */
export const MUNICIPALITY_CODE_EXTENSION = 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode';

const SYSTEM_NAMES = new Map<string, IdentifierSystemName>(
  Object.entries(IDENTIFIER_SYSTEMS).map(([name, system]) => [system, name as IdentifierSystemName])
);

/** The name of a national identifier system (`fodselsnummer`, `herId` …), or undefined for any other system. */
export function identifierSystemName(system: string | undefined): IdentifierSystemName | undefined {
  return system === undefined ? undefined : SYSTEM_NAMES.get(system);
}
