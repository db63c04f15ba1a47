import { IPBRO_BASE } from './code-systems';

/**
 * The base of the identifier systems an organisation assigns (CONTRACT.md "Canonical names"): a plan's,
 * its parts', a document's identifiers use `{base}/{organisasjonsnummer}/{kind}` (`ip`, `dok`).
 */
export const ORG_SCOPED_SYSTEM_BASE = `${IPBRO_BASE}/sid/org`;

/** The identifier system of the business identifiers of `kind` that the organisation `orgnr` assigns. */
export function orgScopedSystem(orgnr: string, kind: string): string {
  return `${ORG_SCOPED_SYSTEM_BASE}/${orgnr}/${kind}`;
}

const CURRENT = /^http:\/\/ipbro\.no\/fhir\/sid\/org\/(\d{9})\/([a-z][a-z0-9-]*)$/;
// The form before the contract asked for valid URIs (an urn:oid: holds digits and dots only): read, never written.
const LEGACY = /^urn:oid:2\.16\.578\.1\.12\.4\.1\.4\.101\/(\d{9})\/([a-z][a-z0-9-]*)$/;

/** The organisation and kind an organisation-scoped identifier system names, or undefined for any other system. */
export function parseOrgScopedSystem(system: string | undefined): { orgnr: string; kind: string } | undefined {
  if (typeof system !== 'string') return undefined;
  const m = CURRENT.exec(system) ?? LEGACY.exec(system);
  return m ? { orgnr: m[1], kind: m[2] } : undefined;
}
