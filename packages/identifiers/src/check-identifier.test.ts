import { checkIdentifier } from './check-identifier';
import { controlDigits } from './check-digits';
import { IDENTIFIER_SYSTEMS } from './identifier-systems';
import { makeSyntheticFodselsnummer } from './synthetic';

describe('checkIdentifier by system', () => {
  test('each national system is checked by its own rule', () => {
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, '12830551210')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, '12830551211')).toMatchObject({
      ok: false,
      rule: 'check-digit-2',
    });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.organisasjonsnummer, '997005562')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.organisasjonsnummer, '997005563')).toMatchObject({
      ok: false,
      rule: 'mod11',
    });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.hprNummer, '9144900')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.hprNummer, 'abc')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.herId, '8094512')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.herId, '0')).toMatchObject({ ok: false });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.kommunenummer, '1508')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.kommunenummer, '150')).toMatchObject({ ok: false, rule: 'shape' });
  });

  test('a national system without a value is an error', () => {
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, undefined)).toMatchObject({ ok: false, rule: 'missing' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.organisasjonsnummer, '')).toMatchObject({ ok: false, rule: 'missing' });
  });

  test('other systems (and RESH-id, which has no published rule) are not ours to judge', () => {
    expect(checkIdentifier('http://ipbro.no/fhir/sid/org/942953119/ip', 'IP-2026-0042')).toBeUndefined();
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.reshId, 'anything')).toBeUndefined();
    expect(checkIdentifier(undefined, 'x')).toBeUndefined();
  });

  test('person systems demand the right kind', () => {
    const d = makeSyntheticFodselsnummer('1990-07-15', 100, { dNummer: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, d)).toMatchObject({ ok: false, rule: 'kind' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.dNummer, d)).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.dNummer, '12830551210')).toMatchObject({ ok: false, rule: 'kind' });
    const h = ['154790123', '154790124', '154790125']
      .map((f) => (controlDigits(f) ? f + controlDigits(f) : ''))
      .find(Boolean)!;
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, h)).toMatchObject({ ok: false, rule: 'kind' });
    const fh = ['812345678', '812345679', '812345680']
      .map((f) => (controlDigits(f) ? f + controlDigits(f) : ''))
      .find(Boolean)!;
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fhNummer, fh)).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, fh)).toMatchObject({ ok: false, rule: 'kind' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fhNummer, '12830551210')).toMatchObject({ ok: false, rule: 'kind' });
  });
});
