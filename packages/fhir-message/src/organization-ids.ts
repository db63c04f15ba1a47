import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Identifier, Organization, Reference } from '@medplum/fhirtypes';

export interface OrganizationIds {
  orgnr?: string;
  herId?: string;
}

function idsOf(identifiers: (Identifier | undefined)[]): OrganizationIds {
  const find = (system: string): string | undefined => {
    const value = identifiers.find(
      (i) => i?.system === system && typeof i.value === 'string' && i.value.length > 0
    )?.value;
    return value;
  };
  const result: OrganizationIds = {};
  const orgnr = find(IDENTIFIER_SYSTEMS.organisasjonsnummer);
  const herId = find(IDENTIFIER_SYSTEMS.herId);
  if (orgnr) result.orgnr = orgnr;
  if (herId) result.herId = herId;
  return result;
}

/** Organisasjonsnummer and HER-id of an organisation (the first identifier of each system), as sent. */
export function organizationIds(org: Organization): OrganizationIds {
  return idsOf(Array.isArray(org?.identifier) ? org.identifier : []);
}

/** Organisasjonsnummer or HER-id named by a logical reference (`Reference.identifier`), for organisations not in the bundle. */
export function referencedOrganizationIds(reference: Reference | undefined): OrganizationIds {
  return reference?.identifier ? idsOf([reference.identifier]) : {};
}

/**
 * Reads an endpoint of the form before the contract made `destination.endpoint` a URL and named the
 * recipient by `receiver`: `urn:oid:2.16.578.1.12.4.1.4.101:997005562` (orgnr) or `urn:oid:2.16.578.1.12.4.1.2:8094512`
 * (HER-id). Read on input only; IP-bro never writes it.
 */
export function endpointOrganizationIds(endpoint: string | undefined): OrganizationIds {
  if (typeof endpoint !== 'string') return {};
  const after = (system: string): string | undefined =>
    endpoint.startsWith(`${system}:`) ? endpoint.slice(system.length + 1) || undefined : undefined;
  const orgnr = after(IDENTIFIER_SYSTEMS.organisasjonsnummer);
  if (orgnr) return { orgnr };
  const herId = after(IDENTIFIER_SYSTEMS.herId);
  return herId ? { herId } : {};
}
