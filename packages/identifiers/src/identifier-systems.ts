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

/** The no-basis extension on Address.district carrying the kommunenummer. */
export const MUNICIPALITY_CODE_EXTENSION = 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode';

export type IdentifierResult<T extends object = object> = ({ ok: true } & T) | { ok: false; rule: string; message: string };

export function fail(rule: string, message: string): { ok: false; rule: string; message: string } {
  return { ok: false, rule, message };
}
