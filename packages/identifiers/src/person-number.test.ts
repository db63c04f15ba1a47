import { toDigits } from './check-digits';
import { checkPersonNumber, controlDigits, fullYear, isValidK1 } from './person-number';
import { makeSyntheticFodselsnummer } from './synthetic';

describe('checkPersonNumber', () => {
  test('the contract examples synthetic number: born 2005-03-12', () => {
    expect(checkPersonNumber('12830551210')).toEqual({ ok: true, kind: 'fodselsnummer', synthetic: true, birthDate: '2005-03-12' });
  });

  test('hand-worked check digits under today\'s rule', () => {
    // 120305 512: k1 = 11 − (1·3+2·7+0·6+3·1+0·8+5·9+5·4+1·5+2·2 = 94; 94 mod 11 = 6) = 5
    // k2 = 11 − (1·5+2·4+0·3+3·2+0·7+5·6+5·5+1·4+2·3+5·2 = 94; 94 mod 11 = 6) = 5
    expect(controlDigits('120305512')).toBe('55');
    expect(checkPersonNumber('12030551255')).toMatchObject({ ok: true, kind: 'fodselsnummer', synthetic: false, birthDate: '2005-03-12' });
  });

  test('the 2032 rule: k1 may be 12, 13 or 14 − sum mod 11', () => {
    // sum for 120305512 under k1 weights is 94 ≡ 6 (mod 11): today's k1 = 5; new rule allows 6, 7, 8.
    const d = (k1: number) => toDigits(`120305512${k1}0`);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((k1) => isValidK1(d(k1)))).toEqual([5, 6, 7, 8]);
    // A number with k1 = 7 (new rule) and its own correct k2 is accepted.
    const first10 = '1203055127';
    const w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    const s = toDigits(first10).reduce((acc, x, i) => acc + x * w[i], 0) % 11;
    const k2 = (11 - s) % 11;
    if (k2 !== 10) expect(checkPersonNumber(`${first10}${k2}`).ok).toBe(true);
  });

  test('each rule says what failed', () => {
    expect(checkPersonNumber('1283055121')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkPersonNumber('1283055121a')).toMatchObject({ ok: false, rule: 'digits' });
    expect(checkPersonNumber('12830551200')).toMatchObject({ ok: false, rule: 'check-digit-1' });
    expect(checkPersonNumber('12830551211')).toMatchObject({ ok: false, rule: 'check-digit-2' });
    expect(checkPersonNumber('12830551210', { allowSynthetic: false })).toMatchObject({ ok: false, rule: 'synthetic-not-allowed' });
  });

  test('calendar dates: 29 February only in leap years', () => {
    expect(checkPersonNumber(makeSyntheticFodselsnummer('2004-02-29')).ok).toBe(true);
    const feb29in2005 = `2982` + `05` + '500';
    const control = controlDigits(feb29in2005);
    expect(control).toBeDefined();
    expect(checkPersonNumber(feb29in2005 + control)).toMatchObject({ ok: false, rule: 'date' });
  });

  test('D-nummer (day + 40) and H-nummer (month + 40)', () => {
    const d = makeSyntheticFodselsnummer('1990-07-15', 100, { dNummer: true });
    expect(checkPersonNumber(d)).toMatchObject({ ok: true, kind: 'd-nummer', synthetic: true, birthDate: '1990-07-15' });
    const hFirst = ['123', '124', '125', '126', '127'].map((i) => '154790' + i).find((f) => controlDigits(f) !== undefined)!;
    expect(checkPersonNumber(hFirst + controlDigits(hFirst))).toMatchObject({ ok: true, kind: 'h-nummer', birthDate: '1990-07-15' });
  });

  test('FH-nummer: first digit 8 or 9, no birth date', () => {
    const first = ['812345678', '812345679', '812345680', '912345678'].find((f) => controlDigits(f) !== undefined)!;
    const num = first + controlDigits(first);
    expect(checkPersonNumber(num)).toEqual({ ok: true, kind: 'fh-nummer', synthetic: false });
  });

  test('century from the individual number', () => {
    expect(fullYear(5, 512)).toBe(2005);
    expect(fullYear(85, 123)).toBe(1985);
    expect(fullYear(60, 600)).toBe(1860);
    expect(fullYear(45, 950)).toBe(1945);
    expect(fullYear(45, 600)).toBeUndefined(); // 500–749 only for 1854–1899 or 2000–2039
  });

  test('1,000 generated synthetic numbers validate and give back their birth date', () => {
    const start = Date.UTC(1900, 0, 1);
    for (let i = 0; i < 1000; i++) {
      const date = new Date(start + ((i * 7919 * 86400000) % (139 * 365 * 86400000))).toISOString().slice(0, 10);
      const num = makeSyntheticFodselsnummer(date, (i * 37) % 1000);
      const r = checkPersonNumber(num);
      expect(r).toMatchObject({ ok: true, synthetic: true, birthDate: date });
    }
  });

  test('every single-digit change of a valid number is rejected (mod 11 catches them all)', () => {
    for (const valid of ['12830551210', makeSyntheticFodselsnummer('1978-11-30', 200), makeSyntheticFodselsnummer('2019-01-01', 700)]) {
      for (let pos = 0; pos < 11; pos++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === valid[pos]) continue;
          const changed = valid.slice(0, pos) + digit + valid.slice(pos + 1);
          const r = checkPersonNumber(changed);
          // Position 9 (k1) may land on another value the 2032 rule allows; k2 then fails.
          expect(r.ok).toBe(false);
        }
      }
    }
  });
});
