import { IDENTIFIER_SYSTEMS, MUNICIPALITY_CODE_EXTENSION } from '@ipbro/identifiers';
import type { Organization, Patient } from '@medplum/fhirtypes';

/** The home kommune: the home address (use=home, else the first) district's no-basis municipality code. */
export function homeKommuneOf(patient: Patient): { kommunenummer: string; addressIndex: number } | undefined {
  const addresses = Array.isArray(patient.address) ? patient.address : [];
  let addressIndex = addresses.findIndex((a) => a?.use === 'home');
  if (addressIndex < 0) addressIndex = addresses.length > 0 ? 0 : -1;
  if (addressIndex < 0) return undefined;
  const ext = (addresses[addressIndex] as { _district?: { extension?: { url?: string; valueCoding?: { system?: string; code?: string } }[] } })._district?.extension;
  const coding = Array.isArray(ext) ? ext.find((e) => e?.url === MUNICIPALITY_CODE_EXTENSION)?.valueCoding : undefined;
  if (!coding?.code || typeof coding.code !== 'string') return undefined;
  return { kommunenummer: coding.code, addressIndex };
}

/** The patient's fødselsnummer or D-nummer identifier. */
export function personNumberOf(patient: Patient): { system: string; value: string; index: number } | undefined {
  const ids = Array.isArray(patient.identifier) ? patient.identifier : [];
  const systems: string[] = [IDENTIFIER_SYSTEMS.fodselsnummer, IDENTIFIER_SYSTEMS.dNummer];
  const index = ids.findIndex((id) => typeof id?.system === 'string' && systems.includes(id.system) && typeof id.value === 'string');
  return index < 0 ? undefined : { system: ids[index].system as string, value: ids[index].value as string, index };
}

/** Organisasjonsnummer and HER-id of an organisation. */
export function organizationIds(org: Organization): { orgnr?: string; herId?: string } {
  const ids = Array.isArray(org.identifier) ? org.identifier : [];
  const find = (system: string): string | undefined => ids.find((i) => i?.system === system && typeof i.value === 'string')?.value;
  const result: { orgnr?: string; herId?: string } = {};
  const orgnr = find(IDENTIFIER_SYSTEMS.organisasjonsnummer);
  const herId = find(IDENTIFIER_SYSTEMS.herId);
  if (orgnr) result.orgnr = orgnr;
  if (herId) result.herId = herId;
  return result;
}
