export {
  IDENTIFIER_SYSTEMS,
  MUNICIPALITY_CODE_EXTENSION,
  identifierSystemName,
  type IdentifierSystemName,
} from './identifier-systems';
export { fail, type IdentifierResult } from './identifier-result';
export { allowedK1, controlDigits } from './check-digits';
export { checkPersonNumber, fullYear, type PersonNumberKind, type PersonNumberResult } from './person-number';
export { ageOn } from './age';
export { checkOrganisasjonsnummer, organisasjonsnummerCheckDigit } from './organisasjonsnummer';
export { checkHprNummer } from './hpr-nummer';
export { checkHerId } from './her-id';
export { checkKommunenummer } from './kommunenummer';
export { checkIdentifier } from './check-identifier';
export { makeSyntheticFodselsnummer } from './synthetic';
