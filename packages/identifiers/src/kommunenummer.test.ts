import { checkKommunenummer } from './kommunenummer';

describe('checkKommunenummer', () => {
  test.each(['0301', '1508', '1506', '1112', '5001', '4601', '5601', '3101'])('%s is a kommunenummer', (k) => {
    expect(checkKommunenummer(k)).toEqual({ ok: true });
  });
  test('four digits with a fylke 01–56', () => {
    expect(checkKommunenummer('150')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkKommunenummer('15080')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkKommunenummer('15a8')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkKommunenummer('0001')).toMatchObject({ ok: false, rule: 'fylke' });
    expect(checkKommunenummer('9901')).toMatchObject({ ok: false, rule: 'fylke' });
    expect(checkKommunenummer('5701')).toMatchObject({ ok: false, rule: 'fylke' });
  });
});
