import { joinText, nameText, norwegianDate, periodText } from './format';

test('a date as a Norwegian reader writes it, never shifted by a zone', () => {
  expect(norwegianDate('2026-11-21')).toBe('21.11.2026');
  expect(norwegianDate('2027-01-01')).toBe('01.01.2027');
});

test('a date-time in Oslo time, winter and summer, whatever zone it was written in', () => {
  expect(norwegianDate('2026-11-21T09:00:00+01:00')).toBe('21.11.2026 kl. 09.00');
  expect(norwegianDate('2026-11-21T08:00:00Z')).toBe('21.11.2026 kl. 09.00');
  expect(norwegianDate('2027-06-30T22:30:00Z')).toBe('01.07.2027 kl. 00.30');
  expect(norwegianDate('2027-06-30T12:00:00.250-04:00')).toBe('30.06.2027 kl. 18.00');
});

test('anything else is shown as given; nothing is empty', () => {
  expect(norwegianDate('2026-11')).toBe('2026-11');
  expect(norwegianDate('i morgen')).toBe('i morgen');
  expect(norwegianDate(undefined)).toBe('');
});

test('periods: both ends, an open end, only an end, none', () => {
  expect(periodText({ start: '2026-11-21', end: '2027-11-21' })).toBe('21.11.2026–21.11.2027');
  expect(periodText({ start: '2026-11-21' })).toBe('fra 21.11.2026');
  expect(periodText({ end: '2027-11-21' })).toBe('til 21.11.2027');
  expect(periodText(undefined)).toBe('');
});

test('names: given names first, empty parts left out', () => {
  expect(nameText({ given: ['Nils', 'Petter'], family: 'Sæther' })).toBe('Nils Petter Sæther');
  expect(nameText({ family: 'Somby' })).toBe('Somby');
  expect(nameText({ given: [' '], family: undefined })).toBe('');
  expect(joinText(['a', undefined, '', 'b'], ' / ')).toBe('a / b');
});
