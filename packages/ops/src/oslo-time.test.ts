import { osloTime } from './oslo-time';

test('times are shown in Europe/Oslo, winter and summer, whatever the zone of the machine', () => {
  expect(osloTime('2026-11-30T08:00:00Z')).toBe('2026-11-30 09:00:00 CET');
  expect(osloTime('2026-07-01T08:00:00.123Z')).toBe('2026-07-01 10:00:00 CEST');
  expect(osloTime(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01 00:30:00 CET');
  // The night summer time ends: 02:30 comes twice, told apart by the zone.
  expect([osloTime('2026-10-25T00:30:00Z'), osloTime('2026-10-25T01:30:00Z')]).toEqual([
    '2026-10-25 02:30:00 CEST',
    '2026-10-25 02:30:00 CET',
  ]);
  expect(osloTime('not a time')).toBe('not a time');
  expect(osloTime(undefined)).toBe('');
});
