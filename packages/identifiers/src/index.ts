export * from './identifier-systems';
export { checkPersonNumber, controlDigits, type PersonNumberKind, type PersonNumberResult } from './person-number';
export { ageOn } from './age';
export { checkOrganisasjonsnummer, organisasjonsnummerCheckDigit } from './organisasjonsnummer';
export { checkHerId, checkHprNummer, checkKommunenummer } from './shape-checks';
export { checkIdentifier } from './check-identifier';
export { makeSyntheticFodselsnummer } from './synthetic';
