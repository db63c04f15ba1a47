import { fail, type IdentifierResult } from './identifier-result';
import { identifierSystemName } from './identifier-systems';
import { checkHerId } from './her-id';
import { checkHprNummer } from './hpr-nummer';
import { checkKommunenummer } from './kommunenummer';
import { checkOrganisasjonsnummer } from './organisasjonsnummer';
import { checkPersonNumber, type PersonNumberKind } from './person-number';

const PERSON_KIND: Partial<Record<string, PersonNumberKind>> = {
  fodselsnummer: 'fodselsnummer',
  dNummer: 'd-nummer',
  fhNummer: 'fh-nummer',
};

/**
 * Checks a FHIR Identifier value by its system. Undefined: a system we do not check (any system
 * other than the national ones, and RESH-id, which has no published rule).
 * The person systems also demand the right kind: a D-nummer (or an H-nummer, which is local to
 * the institution that made it) under the fødselsnummer system is an error (rule `kind`).
 * Synthetic numbers are accepted: the fixtures and test environments use them.
 */
export function checkIdentifier(system: string | undefined, value: string | undefined): IdentifierResult | undefined {
  const name = identifierSystemName(system);
  if (name === undefined || name === 'reshId') return undefined;
  if (typeof value !== 'string' || value.length === 0) return fail('missing', 'the identifier has no value');
  switch (name) {
    case 'fodselsnummer':
    case 'dNummer':
    case 'fhNummer': {
      const r = checkPersonNumber(value);
      if (!r.ok) return r;
      const expected = PERSON_KIND[name];
      if (r.kind !== expected) return fail('kind', `a ${r.kind} under the identifier system for a ${expected}`);
      return { ok: true };
    }
    case 'hprNummer':
      return checkHprNummer(value);
    case 'organisasjonsnummer':
      return checkOrganisasjonsnummer(value);
    case 'herId':
      return checkHerId(value);
    case 'kommunenummer':
      return checkKommunenummer(value);
  }
}
