import { controlDigits } from './check-digits';
import { checkPersonNumber, fullYear, isCalendarDate } from './person-number';

/** A number with today's check digits for nine digits, or undefined when none exists. */
const withControl = (firstNine: string): string | undefined => {
  const c = controlDigits(firstNine);
  return c === undefined ? undefined : firstNine + c;
};

describe('checkPersonNumber', () => {
  test("the contract's synthetic number: born 2005-03-12", () => {
    expect(checkPersonNumber('12830551210')).toEqual({
      ok: true,
      kind: 'fodselsnummer',
      synthetic: true,
      birthDate: '2005-03-12',
    });
  });

  test('an ordinary fødselsnummer with hand-worked check digits (see check-digits.test.ts)', () => {
    expect(checkPersonNumber('12030551255')).toEqual({
      ok: true,
      kind: 'fodselsnummer',
      synthetic: false,
      birthDate: '2005-03-12',
    });
  });

  test('a number valid only under the 2032 rule is accepted', () => {
    // 120305515: s ≡ 1, so today's rule has no k1; the 2032 rule allows k1 0 (k2 then 6)
    expect(checkPersonNumber('12030551506')).toEqual({
      ok: true,
      kind: 'fodselsnummer',
      synthetic: false,
      birthDate: '2005-03-12',
    });
    // 120305512: today's k1 5; the 2032 rule also 6, 7 and 8 (each with its own k2)
    const k2For = (first10: string): number => {
      const w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
      return (11 - (Array.from(first10, Number).reduce((a, d, i) => a + d * w[i], 0) % 11)) % 11;
    };
    for (const k1 of [5, 6, 7, 8]) {
      const k2 = k2For(`120305512${k1}`);
      if (k2 === 10) continue;
      expect(checkPersonNumber(`120305512${k1}${k2}`).ok).toBe(true);
    }
    for (const k1 of [0, 1, 2, 3, 4, 9]) {
      const k2 = k2For(`120305512${k1}`);
      expect(checkPersonNumber(`120305512${k1}${k2 % 10}`)).toMatchObject({ ok: false, rule: 'check-digit-1' });
    }
  });

  test('each rule says what failed', () => {
    expect(checkPersonNumber('1283055121')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkPersonNumber('128305512100')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkPersonNumber(undefined as unknown as string)).toMatchObject({ ok: false, rule: 'length' });
    expect(checkPersonNumber('1283055121a')).toMatchObject({ ok: false, rule: 'digits' });
    expect(checkPersonNumber('128305 1210')).toMatchObject({ ok: false, rule: 'digits' });
    expect(checkPersonNumber('12830551200')).toMatchObject({ ok: false, rule: 'check-digit-1' });
    expect(checkPersonNumber('12830551211')).toMatchObject({ ok: false, rule: 'check-digit-2' });
    expect(checkPersonNumber('12830551210', { allowSynthetic: false })).toMatchObject({
      ok: false,
      rule: 'synthetic-not-allowed',
    });
    expect(checkPersonNumber('12030551255', { allowSynthetic: false }).ok).toBe(true);
    const failed = checkPersonNumber('12830551211');
    expect(!failed.ok && failed.message).toMatch(/11th digit/);
  });

  test('calendar dates: 29 February only in leap years, no 31 April, no month 13', () => {
    expect(checkPersonNumber(withControl('290204512')!)).toMatchObject({ ok: true, birthDate: '2004-02-29' });
    const feb29in2005 = ['290205500', '290205501', '290205502'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(feb29in2005)).toMatchObject({ ok: false, rule: 'date' });
    const feb29in1900 = ['290200100', '290200101', '290200102'].map(withControl).find(Boolean)!; // 1900 is no leap year
    expect(checkPersonNumber(feb29in1900)).toMatchObject({ ok: false, rule: 'date' });
    const feb29in2000 = ['290200500', '290200501', '290200502'].map(withControl).find(Boolean)!; // 2000 is
    expect(checkPersonNumber(feb29in2000)).toMatchObject({ ok: true, birthDate: '2000-02-29' });
    const apr31 = ['310485100', '310485101', '310485102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(apr31)).toMatchObject({ ok: false, rule: 'date' });
    const month13 = ['011385100', '011385101', '011385102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(month13)).toMatchObject({ ok: false, rule: 'date' });
    const day00 = ['000185100', '000185101', '000185102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(day00)).toMatchObject({ ok: false, rule: 'date' });
  });

  test('D-nummer (day + 40), H-nummer (month + 40), synthetic D-nummer (day + 40, month + 80)', () => {
    const d = ['550790100', '550790101', '550790102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(d)).toEqual({ ok: true, kind: 'd-nummer', synthetic: false, birthDate: '1990-07-15' });
    const h = ['154790123', '154790124', '154790125'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(h)).toEqual({ ok: true, kind: 'h-nummer', synthetic: false, birthDate: '1990-07-15' });
    const syntheticD = ['558790100', '558790101', '558790102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(syntheticD)).toEqual({
      ok: true,
      kind: 'd-nummer',
      synthetic: true,
      birthDate: '1990-07-15',
    });
    const dAndH = ['554790100', '554790101', '554790102'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(dAndH)).toMatchObject({ ok: false, rule: 'date' });
    const day72 = ['720790100', '720790101', '720790102'].map(withControl).find(Boolean)!; // 72 − 40 = 32
    expect(checkPersonNumber(day72)).toMatchObject({ ok: false, rule: 'date' });
  });

  test('FH-nummer: first digit 8 or 9, same check digits, no birth date', () => {
    for (const first of ['8', '9']) {
      const fh = ['12345678', '12345679', '12345680'].map((rest) => withControl(first + rest)).find(Boolean)!;
      expect(checkPersonNumber(fh)).toEqual({ ok: true, kind: 'fh-nummer', synthetic: false });
      const broken = fh.slice(0, 10) + ((Number(fh[10]) + 1) % 10);
      expect(checkPersonNumber(broken)).toMatchObject({ ok: false, rule: 'check-digit-2' });
    }
  });

  test('century from the individual number, checked against the number', () => {
    const y1860 = ['010160600', '010160601', '010160602'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(y1860)).toMatchObject({ ok: true, birthDate: '1860-01-01' });
    const y1945 = ['010145950', '010145951', '010145952'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(y1945)).toMatchObject({ ok: true, birthDate: '1945-01-01' });
    const y1945low = ['010145300', '010145301', '010145302'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(y1945low)).toMatchObject({ ok: true, birthDate: '1945-01-01' });
    // 600 with year 45: neither 1854–1899 (year ≥ 54) nor 2000–2039 (year ≤ 39)
    const none = ['010145600', '010145601', '010145602'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(none)).toMatchObject({ ok: false, rule: 'century' });
    // 800 with year 60: 750–899 serve only 2000–2039
    const none2 = ['010160800', '010160801', '010160802'].map(withControl).find(Boolean)!;
    expect(checkPersonNumber(none2)).toMatchObject({ ok: false, rule: 'century' });
  });
});

describe('fullYear', () => {
  test.each([
    [5, 512, 2005],
    [39, 999, 2039],
    [39, 500, 2039],
    [0, 0, 1900],
    [85, 123, 1985],
    [99, 499, 1999],
    [54, 500, 1854],
    [99, 749, 1899],
    [60, 600, 1860],
    [40, 900, 1940],
    [45, 950, 1945],
  ])('year %i, individual %i → %i', (year2, individual, year) => {
    expect(fullYear(year2, individual)).toBe(year);
  });
  test.each([
    [45, 600], // 500–749 with 40–53
    [53, 500],
    [40, 750], // 750–899 with year ≥ 40
    [99, 899],
    [39, 1000],
    [100, 1],
  ])('year %i, individual %i is not issued', (year2, individual) => {
    expect(fullYear(year2, individual)).toBeUndefined();
  });
});

describe('isCalendarDate', () => {
  test('leap years and month lengths', () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(2026, 4, 31)).toBe(false);
    expect(isCalendarDate(2026, 12, 31)).toBe(true);
    expect(isCalendarDate(2026, 0, 1)).toBe(false);
    expect(isCalendarDate(2026, 13, 1)).toBe(false);
    expect(isCalendarDate(2026, 1, 0)).toBe(false);
    expect(isCalendarDate(NaN, 1, 1)).toBe(false);
  });
});
