import { IDENTIFIER_SYSTEMS, fail, type IdentifierResult } from './identifier-systems';
import { checkOrganisasjonsnummer } from './organisasjonsnummer';
import { checkPersonNumber } from './person-number';
import { checkHerId, checkHprNummer, checkKommunenummer } from './shape-checks';

/**
 * Checks a FHIR Identifier value by its system. Undefined: a system we do not check.
 * The person systems also demand the right kind: a D-nummer under the fødselsnummer system is an error.
 */
export function checkIdentifier(system: string | undefined, value: string | undefined): IdentifierResult | undefined {
  if (!system) return undefined;
  const known = (Object.values(IDENTIFIER_SYSTEMS) as string[]).includes(system);
  if (!known) return undefined;
  if (typeof value !== 'string' || value.length === 0) return fail('missing', 'the identifier has no value');
  switch (system) {
    case IDENTIFIER_SYSTEMS.fodselsnummer:
    case IDENTIFIER_SYSTEMS.dNummer:
    case IDENTIFIER_SYSTEMS.fhNummer: {
      const r = checkPersonNumber(value);
      if (!r.ok) return r;
      const expected = system === IDENTIFIER_SYSTEMS.fodselsnummer ? ['fodselsnummer', 'h-nummer'] : system === IDENTIFIER_SYSTEMS.dNummer ? ['d-nummer'] : ['fh-nummer'];
      if (!expected.includes(r.kind)) return fail('kind', `a ${r.kind} under the system for ${expected[0]}`);
      return { ok: true };
    }
    case IDENTIFIER_SYSTEMS.hprNummer:
      return checkHprNummer(value);
    case IDENTIFIER_SYSTEMS.organisasjonsnummer:
      return checkOrganisasjonsnummer(value);
    case IDENTIFIER_SYSTEMS.herId:
      return checkHerId(value);
    case IDENTIFIER_SYSTEMS.kommunenummer:
      return checkKommunenummer(value);
    default:
      return undefined; // RESH-id: no published rule
  }
}
