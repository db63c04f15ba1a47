import { isDigits, mod11ControlDigit, toDigits } from './check-digits';
import { fail, type IdentifierResult } from './identifier-result';

const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** Enhetsregisteret's organisasjonsnummer: 9 digits, first 8 or 9, mod-11 check digit (weights 3,2,7,6,5,4,3,2). */
export function checkOrganisasjonsnummer(value: string): IdentifierResult {
  if (typeof value !== 'string' || !isDigits(value, 9)) {
    return fail('length', 'an organisasjonsnummer has exactly 9 digits');
  }
  if (!value.startsWith('8') && !value.startsWith('9')) {
    return fail('first-digit', 'an organisasjonsnummer starts with 8 or 9');
  }
  const digits = toDigits(value);
  if (mod11ControlDigit(digits, WEIGHTS) !== digits[8]) {
    return fail('mod11', 'the check digit (9th digit) of the organisasjonsnummer is wrong');
  }
  return { ok: true };
}

/** The check digit for the first eight digits, or undefined when none exists (for test data). */
export function organisasjonsnummerCheckDigit(firstEight: string): number | undefined {
  return mod11ControlDigit(toDigits(firstEight), WEIGHTS);
}
