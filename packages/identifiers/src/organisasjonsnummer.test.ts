import { checkOrganisasjonsnummer, organisasjonsnummerCheckDigit } from './organisasjonsnummer';

describe('checkOrganisasjonsnummer', () => {
  test.each(['997005562', '942953119', '993467049', '883974832', '983974724'])(
    '%s (a known organisation) is valid',
    (orgnr) => {
      expect(checkOrganisasjonsnummer(orgnr)).toEqual({ ok: true });
    }
  );

  test('hand-worked check digits', () => {
    // 9·3+9·2+7·7+0·6+0·5+5·4+5·3+6·2 = 141; 141 mod 11 = 9; 11 − 9 = 2
    expect(organisasjonsnummerCheckDigit('99700556')).toBe(2);
    // 94295311: 9·3+4·2+2·7+9·6+5·5+3·4+1·3+1·2 = 145; 145 mod 11 = 2; 11 − 2 = 9
    expect(organisasjonsnummerCheckDigit('94295311')).toBe(9);
  });

  test('each rule says what failed', () => {
    expect(checkOrganisasjonsnummer('997005563')).toMatchObject({ ok: false, rule: 'mod11' });
    expect(checkOrganisasjonsnummer('99700556')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkOrganisasjonsnummer('9970055620')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkOrganisasjonsnummer('99700556x')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkOrganisasjonsnummer('197005562')).toMatchObject({ ok: false, rule: 'first-digit' });
  });

  test('every single-digit change of a valid number is rejected', () => {
    for (const valid of ['997005562', '942953119', '993467049', '883974832', '983974724']) {
      for (let pos = 0; pos < 9; pos++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === valid[pos]) continue;
          expect(checkOrganisasjonsnummer(valid.slice(0, pos) + digit + valid.slice(pos + 1)).ok).toBe(false);
        }
      }
    }
  });

  test('when the remainder gives 10 there is no valid number', () => {
    // Find eight digits whose check digit would be 10: no ninth digit makes them valid.
    let firstEight = '';
    for (let n = 90000000; n < 90001000; n++) {
      if (organisasjonsnummerCheckDigit(String(n)) === undefined) {
        firstEight = String(n);
        break;
      }
    }
    expect(firstEight).not.toBe('');
    for (let d = 0; d <= 9; d++)
      expect(checkOrganisasjonsnummer(firstEight + d)).toMatchObject({ ok: false, rule: 'mod11' });
  });
});
