import { controlDigits, fullYear } from './person-number';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A synthetic fødselsnummer (Test-Norge: month + 80) for a birth date, with valid check digits.
 * Starts at `individualNumber` (or the first number of the right century) and takes the next
 * individual number that has check digits. For fixtures: never use real numbers.
 */
export function makeSyntheticFodselsnummer(birthDate: string, individualNumber?: number, options: { dNummer?: boolean } = {}): string {
  const [year, month, day] = birthDate.slice(0, 10).split('-').map(Number);
  const year2 = year % 100;
  const prefix = `${pad(day + (options.dNummer ? 40 : 0))}${pad(month + 80)}${pad(year2)}`;
  for (let i = 0; i < 1000; i++) {
    const individual = ((individualNumber ?? 0) + i) % 1000;
    if (fullYear(year2, individual) !== year) continue;
    const firstNine = `${prefix}${pad(individual, 3)}`;
    const control = controlDigits(firstNine);
    if (control) return firstNine + control;
  }
  throw new Error(`no synthetic number exists for ${birthDate}`);
}
