import {
  allowedK1,
  controlDigits,
  isDigits,
  isValidK1,
  isValidK2,
  K1_WEIGHTS,
  mod11ControlDigit,
  toDigits,
  weightedSumMod11,
} from './check-digits';

describe('mod-11 helpers', () => {
  test('weighted sum and control digit, with 11 → 0 and 10 → none', () => {
    // orgnr 99700556: 9·3+9·2+7·7+0·6+0·5+5·4+5·3+6·2 = 27+18+49+0+0+20+15+12 = 141; 141 mod 11 = 9 → 2
    expect(weightedSumMod11(toDigits('99700556'), [3, 2, 7, 6, 5, 4, 3, 2])).toBe(9);
    expect(mod11ControlDigit(toDigits('99700556'), [3, 2, 7, 6, 5, 4, 3, 2])).toBe(2);
    expect(mod11ControlDigit([0], [1])).toBe(0); // 11 − 0 = 11 → 0
    expect(mod11ControlDigit([1], [1])).toBeUndefined(); // 11 − 1 = 10 → no digit
    expect(mod11ControlDigit([2], [1])).toBe(9);
  });

  test('isDigits accepts ASCII digits only', () => {
    expect(isDigits('0123456789')).toBe(true);
    expect(isDigits('123', 3)).toBe(true);
    expect(isDigits('123', 4)).toBe(false);
    expect(isDigits('')).toBe(false);
    expect(isDigits('12 3')).toBe(false);
    expect(isDigits('١٢٣')).toBe(false); // Arabic-Indic digits are not 0–9
  });
});

describe('fødselsnummer control digits, worked by hand', () => {
  test("120305512 → k1 5, k2 5 (today's rule)", () => {
    // k1: 1·3+2·7+0·6+3·1+0·8+5·9+5·4+1·5+2·2 = 94; 94 mod 11 = 6; 11 − 6 = 5
    // k2: 1·5+2·4+0·3+3·2+0·7+5·6+5·5+1·4+2·3+5·2 = 94; 94 mod 11 = 6; 11 − 6 = 5
    expect(weightedSumMod11(toDigits('120305512'), K1_WEIGHTS)).toBe(6);
    expect(controlDigits('120305512')).toBe('55');
  });

  test("128305512 (the contract's synthetic number) → k1 1, k2 0 (11 → 0)", () => {
    // k1: 3+14+48+3+0+45+20+5+4 = 142; 142 mod 11 = 10; 11 − 10 = 1
    // k2: 5+8+24+6+0+30+25+4+6+2 = 110; 110 mod 11 = 0; 11 − 0 = 11 → 0
    expect(controlDigits('128305512')).toBe('10');
  });

  test('the 2032 rule: k1 may also be 12, 13 or 14 − s mod 11', () => {
    // s = 6: today 5; from 2032 also 6, 7, 8
    expect(allowedK1(toDigits('120305512'))).toEqual([5, 6, 7, 8]);
    // 120305522: s = 3+14+0+3+0+45+20+10+4 = 99 ≡ 0: today 11 → 0; from 2032 also 1, 2, 3
    expect(allowedK1(toDigits('120305522'))).toEqual([0, 1, 2, 3]);
    // 120305515: s = 100 ≡ 1: today 10 → no k1 at all; from 2032 11 → 0, 12 → 1, 13 → 2
    expect(allowedK1(toDigits('120305515'))).toEqual([0, 1, 2]);
    expect(controlDigits('120305515')).toBeUndefined();
    // s = 10 (128305512): today 1; 12 − 10 = 2, 13 − 10 = 3, 14 − 10 = 4
    expect(allowedK1(toDigits('128305512'))).toEqual([1, 2, 3, 4]);
  });

  test('isValidK1 and isValidK2 on whole numbers', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((k1) => isValidK1(toDigits(`120305512${k1}0`)))).toEqual([5, 6, 7, 8]);
    // 1203055150 (k1 0 under the 2032 rule): k2 sum 5+8+0+6+0+30+25+4+15+0 = 93 ≡ 5 → k2 6
    expect(isValidK2(toDigits('12030551506'))).toBe(true);
    expect(isValidK2(toDigits('12030551505'))).toBe(false);
    expect(isValidK2(toDigits('12830551210'))).toBe(true);
  });

  test('controlDigits wants nine digits', () => {
    expect(controlDigits('12030551')).toBeUndefined();
    expect(controlDigits('12030551x')).toBeUndefined();
  });
});
