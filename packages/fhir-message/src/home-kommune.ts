import { MUNICIPALITY_CODE_EXTENSION } from '@ipbro/identifiers';
import type { Address, Extension, Patient } from '@medplum/fhirtypes';

/** Address with the primitive extension of `district` (FHIR JSON `_district`), which fhirtypes leaves out. */
type AddressWithDistrictExtension = Address & { _district?: { extension?: Extension[] } };

/**
 * The home kommune: on the home address (use=home, else the first address), the kommunenummer
 * in `district`'s no-basis municipality-code extension (valueCoding.code). Undefined when that
 * address has none: another address's code is not the home kommune.
 */
export function homeKommuneOf(patient: Patient): { kommunenummer: string; addressIndex: number } | undefined {
  const addresses = Array.isArray(patient?.address) ? (patient.address as AddressWithDistrictExtension[]) : [];
  if (addresses.length === 0) return undefined;
  const home = addresses.findIndex((a) => a?.use === 'home');
  const addressIndex = home >= 0 ? home : 0;
  const extensions = addresses[addressIndex]?._district?.extension;
  const coding = Array.isArray(extensions)
    ? extensions.find((e) => e?.url === MUNICIPALITY_CODE_EXTENSION)?.valueCoding
    : undefined;
  const code = coding?.code;
  if (typeof code !== 'string' || code.length === 0) return undefined;
  return { kommunenummer: code, addressIndex };
}
