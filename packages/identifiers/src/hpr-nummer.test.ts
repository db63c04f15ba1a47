import { checkHprNummer } from './hpr-nummer';

describe('checkHprNummer', () => {
  test('1 to 9 digits', () => {
    expect(checkHprNummer('9144900')).toEqual({ ok: true });
    expect(checkHprNummer('1')).toEqual({ ok: true });
    expect(checkHprNummer('123456789')).toEqual({ ok: true });
  });
  test('rejects other shapes and zero', () => {
    expect(checkHprNummer('1234567890')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHprNummer('')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHprNummer('91449OO')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHprNummer(' 9144900')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHprNummer('000')).toMatchObject({ ok: false, rule: 'zero' });
  });
});
