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

const TOP_KEYS = ['kommuner', 'helseforetak'];
const PARTY_KEYS = ['name', 'orgnr', 'koordinerendeEnhet', 'ehr'];
const KOMMUNE_KEYS = [...PARTY_KEYS, 'kommunenummer'];
const ENDPOINT_KEYS = ['herId', 'endpoint', 'fhirBase', 'delivery', 'maxTransactionEntries', 'requiresToken'];

/**
 * Every problem of a directory file, each naming its path, e.g. `kommuner[2].orgnr: …`. Strict:
 * unknown fields are refused too, so a misspelt `requiresToken` cannot silently send unauthenticated.
 */
export function directoryProblems(input: unknown): string[] {
  const problems: string[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return ['the directory must be a JSON object with "kommuner" and "helseforetak"'];
  const data = input as Record<string, unknown>;
  const unknownKeys = (o: Record<string, unknown>, allowed: string[], path: string): void => {
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        problems.push(`${path ? `${path}.` : ''}${k}: unknown field (allowed: ${allowed.join(', ')})`);
  };
  const endpoint = (e: unknown, path: string): void => {
    if (e === undefined) return;
    if (!e || typeof e !== 'object' || Array.isArray(e)) return void problems.push(`${path}: must be an object`);
    const ep = e as Record<string, unknown>;
    unknownKeys(ep, ENDPOINT_KEYS, path);
    if (ep.delivery !== 'fhir-message' && ep.delivery !== 'fhir-rest')
      problems.push(`${path}.delivery: must be "fhir-message" or "fhir-rest"`);
    const url = ep.delivery === 'fhir-rest' ? (ep.fhirBase ?? ep.endpoint) : ep.endpoint;
    if (typeof url !== 'string' || !isHttpUrl(url))
      problems.push(`${path}.${ep.delivery === 'fhir-rest' ? 'fhirBase' : 'endpoint'}: must be an http(s) URL`);
    for (const k of ['endpoint', 'fhirBase'] as const) {
      if (ep[k] !== undefined && ep[k] !== url && !(typeof ep[k] === 'string' && isHttpUrl(ep[k] as string)))
        problems.push(`${path}.${k}: must be an http(s) URL`);
    }
    if (ep.herId !== undefined && (typeof ep.herId !== 'string' || !checkHerId(ep.herId).ok))
      problems.push(`${path}.herId: not a HER-id (1 to 9 digits, as a string)`);
    if (
      ep.maxTransactionEntries !== undefined &&
      !(Number.isInteger(ep.maxTransactionEntries) && (ep.maxTransactionEntries as number) >= 1)
    )
      problems.push(`${path}.maxTransactionEntries: must be a whole number ≥ 1`);
    if (ep.requiresToken !== undefined && typeof ep.requiresToken !== 'boolean')
      problems.push(`${path}.requiresToken: must be true or false`);
  };
  const party = (p: unknown, path: string, allowed: string[]): void => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return void problems.push(`${path}: must be an object`);
    const x = p as Record<string, unknown>;
    unknownKeys(x, allowed, path);
    if (typeof x.name !== 'string' || !x.name.trim()) problems.push(`${path}.name: required`);
    const org = typeof x.orgnr === 'string' ? checkOrganisasjonsnummer(x.orgnr) : undefined;
    if (!org) problems.push(`${path}.orgnr: required (9 digits, as a string)`);
    else if (!org.ok) problems.push(`${path}.orgnr: ${org.message}`);
    if (!x.koordinerendeEnhet && !x.ehr) problems.push(`${path}: needs a koordinerendeEnhet or an ehr to deliver to`);
    endpoint(x.koordinerendeEnhet, `${path}.koordinerendeEnhet`);
    endpoint(x.ehr, `${path}.ehr`);
  };
  unknownKeys(data, TOP_KEYS, '');
  for (const list of TOP_KEYS) {
    if (!Array.isArray(data[list])) problems.push(`${list}: must be an array`);
  }
  const kommuner = Array.isArray(data.kommuner) ? data.kommuner : [];
  const helseforetak = Array.isArray(data.helseforetak) ? data.helseforetak : [];
  const seen = new Set<string>();
  kommuner.forEach((k, i) => {
    party(k, `kommuner[${i}]`, KOMMUNE_KEYS);
    const nr = (k as Record<string, unknown>)?.kommunenummer;
    const check = typeof nr === 'string' ? checkKommunenummer(nr) : undefined;
    if (!check?.ok)
      problems.push(
        `kommuner[${i}].kommunenummer: ${check && !check.ok ? check.message : 'required (4 digits, as a string)'}`
      );
    else if (seen.has(nr as string)) problems.push(`kommuner[${i}].kommunenummer: ${nr} appears twice`);
    else seen.add(nr as string);
  });
  helseforetak.forEach((h, i) => party(h, `helseforetak[${i}]`, PARTY_KEYS));
  const parties: [unknown, string][] = [
    ...kommuner.map((p, i) => [p, `kommuner[${i}]`] as [unknown, string]),
    ...helseforetak.map((p, i) => [p, `helseforetak[${i}]`] as [unknown, string]),
  ];
  problems.push(...duplicateProblems(parties));
  return problems;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** One party per orgnr and per HER-id, or a lookup would depend on the order of the file. */
function duplicateProblems(parties: [unknown, string][]): string[] {
  const problems: string[] = [];
  const orgnrAt = new Map<string, string>();
  const herIdAt = new Map<string, { path: string; orgnr: unknown }>();
  for (const [p, path] of parties) {
    if (!p || typeof p !== 'object') continue;
    const x = p as Record<string, unknown>;
    if (typeof x.orgnr === 'string') {
      const first = orgnrAt.get(x.orgnr);
      if (first) problems.push(`${path}.orgnr: ${x.orgnr} is also ${first}.orgnr`);
      else orgnrAt.set(x.orgnr, path);
    }
    for (const e of ['koordinerendeEnhet', 'ehr'] as const) {
      const herId = (x[e] as Record<string, unknown> | undefined)?.herId;
      if (typeof herId !== 'string') continue;
      const first = herIdAt.get(herId);
      if (first && first.orgnr !== x.orgnr) problems.push(`${path}.${e}.herId: ${herId} is also ${first.path}.herId`);
      else if (!first) herIdAt.set(herId, { path: `${path}.${e}`, orgnr: x.orgnr });
    }
  }
  return problems;
}
