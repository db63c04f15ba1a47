import { checkHerId } from './her-id';

describe('checkHerId', () => {
  test('1 to 9 digits', () => {
    expect(checkHerId('8094512')).toEqual({ ok: true });
    expect(checkHerId('8110021')).toEqual({ ok: true });
    expect(checkHerId('7')).toEqual({ ok: true });
  });
  test('rejects other shapes and zero', () => {
    expect(checkHerId('0')).toMatchObject({ ok: false, rule: 'zero' });
    expect(checkHerId('1234567890')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHerId('80945-12')).toMatchObject({ ok: false, rule: 'shape' });
    expect(checkHerId('')).toMatchObject({ ok: false, rule: 'shape' });
  });
});
