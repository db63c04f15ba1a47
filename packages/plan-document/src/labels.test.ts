import { frequencyText, languageName, lawText, relationshipLabel } from './labels';

test('frequency in words: per unit, every n-th unit, a fractional period', () => {
  expect(frequencyText({ count: 2, period: 1, unit: 'd' })).toBe('2 ganger per dag');
  expect(frequencyText({ count: 1, period: 1, unit: 'wk' })).toBe('1 gang per uke');
  expect(frequencyText({ count: 1, period: 2, unit: 'wk' })).toBe('1 gang hver 2. uke');
  expect(frequencyText({ count: 3, period: 0.5, unit: 'd' })).toBe('3 ganger per 0,5 dag');
  expect(frequencyText({ count: 4, period: 1, unit: 'mo' })).toBe('4 ganger per måned');
});

test('languages by their bokmål names; an unknown code as itself', () => {
  expect(languageName('nb')).toBe('norsk bokmål');
  expect(languageName('se')).toBe('nordsamisk');
  expect(languageName('ar')).toBe('arabisk');
  expect(languageName('xx')).toBe('xx');
  expect(languageName('not a code')).toBe('not a code');
});

test('a Lovdata link names its law and section, and keeps the link; other links stay as they are', () => {
  const link = 'https://lovdata.no/lov/1999-07-02-63/§2-5';
  expect(lawText(link)).toBe(`pasient- og brukerrettighetsloven § 2-5 (${link})`);
  expect(lawText('https://lovdata.no/lov/1999-07-02-64/%C2%A722')).toMatch(/^helsepersonelloven § 22 \(/);
  expect(lawText('https://lovdata.no/lov/2099-01-01-1/§1')).toBe('https://lovdata.no/lov/2099-01-01-1/§1');
  expect(lawText('https://example.org/policy')).toBe('https://example.org/policy');
});

test('relationships in words, any case; unknown codes as they are', () => {
  expect(relationshipLabel('MTH')).toBe('mor');
  expect(relationshipLabel('guard')).toBe('verge');
  expect(relationshipLabel('XYZ')).toBe('XYZ');
});
