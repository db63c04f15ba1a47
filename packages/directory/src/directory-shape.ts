import { checkHerId, checkKommunenummer, checkOrganisasjonsnummer } from '@ipbro/identifiers';

export type DeliveryMode = 'fhir-message' | 'fhir-rest';

export interface Endpoint {
  herId?: string;
  endpoint?: string;
  fhirBase?: string;
  delivery: DeliveryMode;
  /** fhir-rest: most entries one transaction may hold at this recipient (Medplum refuses conditional ones past 8). */
  maxTransactionEntries?: number;
  requiresToken?: boolean;
}

export interface DirectoryParty {
  name: string;
  orgnr: string;
  koordinerendeEnhet?: Endpoint;
  ehr?: Endpoint;
}

export interface DirectoryKommune extends DirectoryParty {
  kommunenummer: string;
}

export interface DirectoryData {
  kommuner: DirectoryKommune[];
  helseforetak: DirectoryParty[];
}

/** Every problem of a directory file, each naming its path, e.g. `kommuner[2].orgnr: …`. */
export function directoryProblems(input: unknown): string[] {
  const problems: string[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) return ['the directory must be a JSON object with "kommuner" and "helseforetak"'];
  const data = input as Record<string, unknown>;
  const endpoint = (e: unknown, path: string): void => {
    if (e === undefined) return;
    if (!e || typeof e !== 'object') return void problems.push(`${path}: must be an object`);
    const ep = e as Record<string, unknown>;
    if (ep.delivery !== 'fhir-message' && ep.delivery !== 'fhir-rest') problems.push(`${path}.delivery: must be "fhir-message" or "fhir-rest"`);
    const url = ep.delivery === 'fhir-rest' ? (ep.fhirBase ?? ep.endpoint) : ep.endpoint;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) problems.push(`${path}.${ep.delivery === 'fhir-rest' ? 'fhirBase' : 'endpoint'}: must be an http(s) URL`);
    if (ep.herId !== undefined && (typeof ep.herId !== 'string' || !checkHerId(ep.herId).ok)) problems.push(`${path}.herId: not a HER-id`);
    if (ep.maxTransactionEntries !== undefined && !(Number.isInteger(ep.maxTransactionEntries) && (ep.maxTransactionEntries as number) >= 1)) problems.push(`${path}.maxTransactionEntries: must be a whole number ≥ 1`);
  };
  const party = (p: unknown, path: string): void => {
    if (!p || typeof p !== 'object') return void problems.push(`${path}: must be an object`);
    const x = p as Record<string, unknown>;
    if (typeof x.name !== 'string' || !x.name) problems.push(`${path}.name: required`);
    const org = typeof x.orgnr === 'string' ? checkOrganisasjonsnummer(x.orgnr) : undefined;
    if (!org) problems.push(`${path}.orgnr: required`);
    else if (!org.ok) problems.push(`${path}.orgnr: ${org.message}`);
    if (!x.koordinerendeEnhet && !x.ehr) problems.push(`${path}: needs a koordinerendeEnhet or an ehr to deliver to`);
    endpoint(x.koordinerendeEnhet, `${path}.koordinerendeEnhet`);
    endpoint(x.ehr, `${path}.ehr`);
  };
  for (const list of ['kommuner', 'helseforetak'] as const) {
    if (!Array.isArray(data[list])) problems.push(`${list}: must be an array`);
  }
  const seen = new Set<string>();
  (Array.isArray(data.kommuner) ? data.kommuner : []).forEach((k, i) => {
    party(k, `kommuner[${i}]`);
    const nr = (k as Record<string, unknown>)?.kommunenummer;
    const check = typeof nr === 'string' ? checkKommunenummer(nr) : undefined;
    if (!check?.ok) problems.push(`kommuner[${i}].kommunenummer: ${check && !check.ok ? check.message : 'required'}`);
    else if (seen.has(nr as string)) problems.push(`kommuner[${i}].kommunenummer: ${nr} appears twice`);
    else seen.add(nr as string);
  });
  (Array.isArray(data.helseforetak) ? data.helseforetak : []).forEach((h, i) => party(h, `helseforetak[${i}]`));
  return problems;
}
