import { isDigits, mod11ControlDigit, toDigits, weightedSumMod11 } from './check-digits';
import { fail, type IdentifierResult } from './identifier-systems';

export type PersonNumberKind = 'fodselsnummer' | 'd-nummer' | 'h-nummer' | 'fh-nummer';
export type PersonNumberResult = IdentifierResult<{ kind: PersonNumberKind; synthetic: boolean; birthDate?: string }>;

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * k1 is valid under today's rule (11 − s mod 11, 11 → 0) or, from 2032, under the new rule
 * where k1 may be any of 12, 13 or 14 − s mod 11 (so the number space is four times larger).
 * Both are accepted: numbers issued under either rule live side by side.
 */
export function isValidK1(digits: readonly number[]): boolean {
  const s = weightedSumMod11(digits, K1_WEIGHTS);
  const k1 = digits[9];
  return [11, 12, 13, 14].some((base) => (base - s) % 11 === k1);
}

export function isValidK2(digits: readonly number[]): boolean {
  return mod11ControlDigit(digits, K2_WEIGHTS) === digits[10];
}

/** The control digits of the first nine digits under today's rule, or undefined when none exists. */
export function controlDigits(firstNine: string): string | undefined {
  const digits = toDigits(firstNine);
  const k1 = mod11ControlDigit(digits, K1_WEIGHTS);
  if (k1 === undefined) return undefined;
  const k2 = mod11ControlDigit([...digits, k1], K2_WEIGHTS);
  return k2 === undefined ? undefined : `${k1}${k2}`;
}

/** Century from the individual number (digits 7–9) and the two-digit year, as Skatteetaten assigns them. */
export function fullYear(year2: number, individual: number): number | undefined {
  if (individual <= 499) return 1900 + year2;
  if (individual <= 749 && year2 >= 54) return 1800 + year2;
  if (individual >= 900 && year2 >= 40) return 1900 + year2;
  if (individual >= 500 && year2 <= 39) return 2000 + year2;
  return undefined;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Checks a fødselsnummer, D-nummer (day + 40), H-nummer (month + 40), FH-nummer (first digit 8 or 9)
 * or a synthetic test number (month + 80, Test-Norge). Says which rule failed.
 */
export function checkPersonNumber(value: string, options: { allowSynthetic?: boolean } = {}): PersonNumberResult {
  const allowSynthetic = options.allowSynthetic ?? true;
  if (typeof value !== 'string' || value.length !== 11) {
    return fail('length', `a person number has 11 digits, got ${typeof value === 'string' ? value.length : typeof value}`);
  }
  if (!isDigits(value)) {
    return fail('digits', 'a person number has only digits 0–9');
  }
  const digits = toDigits(value);
  if (!isValidK1(digits)) {
    return fail('check-digit-1', 'check digit 1 (the 10th digit) does not match the first nine digits');
  }
  if (!isValidK2(digits)) {
    return fail('check-digit-2', 'check digit 2 (the 11th digit) does not match the first ten digits');
  }
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
    if (kind === 'd-nummer') return fail('date', 'a number cannot be both a D-nummer (day + 40) and an H-nummer (month + 40)');
    kind = 'h-nummer';
    month -= 40;
  }
  if (synthetic && !allowSynthetic) {
    return fail('synthetic-not-allowed', 'a synthetic test number (month + 80) is not accepted here');
  }
  const year = fullYear(year2, individual);
  if (year === undefined) {
    return fail('century', `individual number ${pad(individual, 3)} is not issued for year ${pad(year2)}`);
  }
  if (!isRealDate(year, month, day)) {
    return fail('date', `${pad(day)}.${pad(month)}.${year} is not a calendar date`);
  }
  return { ok: true, kind, synthetic, birthDate: `${year}-${pad(month)}-${pad(day)}` };
}
