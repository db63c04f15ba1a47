import { ageOn, checkHerId, checkHprNummer, checkIdentifier, checkKommunenummer, checkOrganisasjonsnummer, IDENTIFIER_SYSTEMS, makeSyntheticFodselsnummer } from './index';

describe('organisasjonsnummer', () => {
  test.each(['997005562', '942953119', '993467049', '883974832', '983974724'])('%s is valid', (orgnr) => {
    expect(checkOrganisasjonsnummer(orgnr)).toEqual({ ok: true });
  });
  test('wrong check digit, length and first digit are named', () => {
    expect(checkOrganisasjonsnummer('997005563')).toMatchObject({ ok: false, rule: 'mod11' });
    expect(checkOrganisasjonsnummer('99700556')).toMatchObject({ ok: false, rule: 'length' });
    expect(checkOrganisasjonsnummer('197005562')).toMatchObject({ ok: false, rule: 'first-digit' });
  });
});

describe('shape checks', () => {
  test('HPR-nummer, HER-id, kommunenummer', () => {
    expect(checkHprNummer('9144900').ok).toBe(true);
    expect(checkHprNummer('12345678901')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHerId('8094512').ok).toBe(true);
    expect(checkHerId('0')).toMatchObject({ ok: false });
    expect(checkKommunenummer('1508').ok).toBe(true);
    expect(checkKommunenummer('0301').ok).toBe(true);
    expect(checkKommunenummer('9901')).toMatchObject({ ok: false, rule: 'fylke' });
    expect(checkKommunenummer('150')).toMatchObject({ ok: false, rule: 'shape' });
  });
});

describe('checkIdentifier by system', () => {
  test('national systems are checked; others are not ours to judge', () => {
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, '12830551210')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, '12830551211')).toMatchObject({ ok: false, rule: 'check-digit-2' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.organisasjonsnummer, '997005562')).toEqual({ ok: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.hprNummer, 'abc')).toMatchObject({ ok: false });
    expect(checkIdentifier('urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip', 'IP-2026-0042')).toBeUndefined();
    expect(checkIdentifier(undefined, 'x')).toBeUndefined();
  });
  test('a D-nummer under the fødselsnummer system is the wrong kind', () => {
    const d = makeSyntheticFodselsnummer('1990-07-15', 100, { dNummer: true });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.fodselsnummer, d)).toMatchObject({ ok: false, rule: 'kind' });
    expect(checkIdentifier(IDENTIFIER_SYSTEMS.dNummer, d)).toEqual({ ok: true });
  });
});

describe('ageOn', () => {
  test('counts the birthday itself', () => {
    expect(ageOn('2010-05-20', '2026-05-19T12:00:00+02:00')).toBe(15);
    expect(ageOn('2010-05-20', '2026-05-20T12:00:00+02:00')).toBe(16);
    expect(ageOn('2005-03-12', new Date('2026-11-21T09:00:00+01:00'))).toBe(21);
  });
  test('a date-time just after midnight in Oslo counts as that Oslo day', () => {
    expect(ageOn('2010-05-20', '2026-05-19T22:30:00Z')).toBe(16); // 00:30 on 20 May in Oslo
  });
});
