import { controlDigits } from './check-digits';
import { fullYear, isCalendarDate, pad } from './person-number';

/**
 * A synthetic fødselsnummer (Test-Norge: month + 80) for a birth date (YYYY-MM-DD), with valid
 * check digits under today's rule. Starts at `individualNumber` (default 0) and takes the next
 * individual number, wrapping at 999, that Folkeregisteret issues for that century and that has
 * check digits. `dNummer` makes a synthetic D-nummer (day + 40 as well). For fixtures: never use real numbers.
 * Throws a RangeError for a date that is not a calendar date or lies outside 1854–2039.
 */
export function makeSyntheticFodselsnummer(
  birthDate: string,
  individualNumber?: number,
  options: { dNummer?: boolean } = {}
): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate.slice(0, 10));
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [NaN, NaN, NaN];
  if (!isCalendarDate(year, month, day)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${birthDate}`);
  if (year < 1854 || year > 2039) throw new RangeError(`person numbers code birth years 1854–2039, not ${year}`);
  const start = Number.isInteger(individualNumber) ? (((individualNumber as number) % 1000) + 1000) % 1000 : 0;
  const year2 = year % 100;
  const prefix = `${pad(day + (options.dNummer ? 40 : 0))}${pad(month + 80)}${pad(year2)}`;
  for (let i = 0; i < 1000; i++) {
    const individual = (start + i) % 1000;
    if (fullYear(year2, individual) !== year) continue;
    const firstNine = `${prefix}${pad(individual, 3)}`;
    const control = controlDigits(firstNine);
    if (control) return firstNine + control;
  }
  // Unreachable for 1854–2039: every century has 250+ individual numbers, and about five in six have check digits.
  throw new RangeError(`no synthetic number exists for ${birthDate}`);
}
