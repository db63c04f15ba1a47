import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Patient } from '@medplum/fhirtypes';

/**
 * The patient's fødselsnummer or D-nummer identifier (system, value as sent, index in
 * Patient.identifier). A fødselsnummer wins over a D-nummer: someone given one keeps the old D-nummer too.
 * Whether the value is valid is checkPersonNumber's question, not this one's.
 */
export function personNumberOf(patient: Patient): { system: string; value: string; index: number } | undefined {
  const ids = Array.isArray(patient?.identifier) ? patient.identifier : [];
  for (const system of [IDENTIFIER_SYSTEMS.fodselsnummer, IDENTIFIER_SYSTEMS.dNummer]) {
    const index = ids.findIndex((id) => id?.system === system && typeof id.value === 'string');
    if (index >= 0) return { system, value: ids[index].value as string, index };
  }
  return undefined;
}
