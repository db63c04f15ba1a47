import { isDigits, isValidK1, isValidK2, toDigits } from './check-digits';
import { fail, type IdentifierResult } from './identifier-result';

export type PersonNumberKind = 'fodselsnummer' | 'd-nummer' | 'h-nummer' | 'fh-nummer';
export type PersonNumberResult = IdentifierResult<{ kind: PersonNumberKind; synthetic: boolean; birthDate?: string }>;

/**
 * The four-digit birth year from the two-digit year and the individual number (digits 7–9),
 * as Folkeregisteret assigns them; undefined when that individual number is not issued for that year.
 * 000–499 → 1900–1999; 500–749 with year ≥ 54 → 1854–1899; 900–999 with year ≥ 40 → 1940–1999;
 * 500–999 with year ≤ 39 → 2000–2039.
 */
export function fullYear(year2: number, individual: number): number | undefined {
  if (individual < 0 || individual > 999 || year2 < 0 || year2 > 99) return undefined;
  if (individual <= 499) return 1900 + year2;
  if (individual <= 749 && year2 >= 54) return 1800 + year2;
  if (individual >= 900 && year2 >= 40) return 1900 + year2;
  if (individual >= 500 && year2 <= 39) return 2000 + year2;
  return undefined;
}

/** A real calendar date (29 February only in leap years). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year); // years below 100 would otherwise be read as 19xx
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Checks a fødselsnummer, D-nummer (day + 40), H-nummer (month + 40), FH-nummer (first digit
 * 8 or 9, no birth date) or a synthetic test number (month + 80, Test-Norge; a D-nummer can be
 * synthetic too). Both check-digit rules are accepted (see allowedK1). Says which rule failed.
 */
export function checkPersonNumber(value: string, options: { allowSynthetic?: boolean } = {}): PersonNumberResult {
  const allowSynthetic = options.allowSynthetic ?? true;
  if (typeof value !== 'string' || value.length !== 11) {
    return fail(
      'length',
      `a person number has 11 digits, got ${typeof value === 'string' ? `${value.length} characters` : typeof value}`
    );
  }
  if (!isDigits(value)) {
    return fail('digits', 'a person number has only the digits 0–9');
  }
  const digits = toDigits(value);
  if (!isValidK1(digits)) {
    return fail('check-digit-1', 'check digit 1 (the 10th digit) does not match the first nine digits');
  }
  if (!isValidK2(digits)) {
    return fail('check-digit-2', 'check digit 2 (the 11th digit) does not match the first ten digits');
  }
  // FH-nummer (felles hjelpenummer): no birth date is coded in it.
  if (digits[0] >= 8) {
    return { ok: true, kind: 'fh-nummer', synthetic: false };
  }
  let day = digits[0] * 10 + digits[1];
  let month = digits[2] * 10 + digits[3];
  const year2 = digits[4] * 10 + digits[5];
  const individual = digits[6] * 100 + digits[7] * 10 + digits[8];
  let kind: PersonNumberKind = 'fodselsnummer';
  let synthetic = false;
  if (day > 40) {
    kind = 'd-nummer';
    day -= 40;
  }
  if (month > 80) {
    synthetic = true;
    month -= 80;
  } else if (month > 40) {
    if (kind === 'd-nummer')
      return fail('date', 'a number cannot be both a D-nummer (day + 40) and an H-nummer (month + 40)');
    kind = 'h-nummer';
    month -= 40;
  }
  if (synthetic && !allowSynthetic) {
    return fail('synthetic-not-allowed', 'a synthetic test number (month + 80) is not accepted here');
  }
  const year = fullYear(year2, individual);
  if (year === undefined) {
    return fail(
      'century',
      `individual number ${pad(individual, 3)} is not issued for a birth year ending in ${pad(year2)}`
    );
  }
  if (!isCalendarDate(year, month, day)) {
    return fail('date', `${pad(day)}.${pad(month)}.${year} is not a calendar date`);
  }
  return { ok: true, kind, synthetic, birthDate: `${year}-${pad(month)}-${pad(day)}` };
}
