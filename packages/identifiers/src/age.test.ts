import { ageOn } from './age';

describe('ageOn', () => {
  test('whole years; the birthday itself counts', () => {
    expect(ageOn('2010-05-20', '2026-05-19')).toBe(15);
    expect(ageOn('2010-05-20', '2026-05-20')).toBe(16);
    expect(ageOn('2010-05-20', '2026-05-21')).toBe(16);
    expect(ageOn('2010-05-20', '2010-05-20')).toBe(0);
    expect(ageOn('2005-03-12', new Date('2026-11-21T09:00:00+01:00'))).toBe(21);
    expect(ageOn('2010-05-20', '2027-01-01')).toBe(16);
    expect(ageOn('2010-05-20', '2026-04-30')).toBe(15);
  });

  test('an instant is read as its date in Oslo', () => {
    expect(ageOn('2010-05-20', '2026-05-19T12:00:00+02:00')).toBe(15);
    expect(ageOn('2010-05-20', '2026-05-19T22:30:00Z')).toBe(16); // 00:30 on 20 May in Oslo (summer time)
    expect(ageOn('2010-05-20', '2026-05-19T21:30:00Z')).toBe(15); // 23:30 on 19 May in Oslo
    expect(ageOn('2010-01-20', new Date('2026-01-19T23:30:00Z'))).toBe(16); // 00:30 on 20 January (winter time, +01:00)
    expect(ageOn('2010-01-20', new Date('2026-01-19T22:30:00Z'))).toBe(15);
  });

  test('born 29 February: a year older on 1 March in other years, on 29 February in leap years', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2024-02-28')).toBe(15);
    expect(ageOn('2008-02-29', '2024-02-29')).toBe(16);
  });

  test('a birthDate with a time part uses its date; partial dates never overstate the age', () => {
    expect(ageOn('2010-05-20T08:00:00+02:00', '2026-05-20')).toBe(16);
    expect(ageOn('2010', '2026-12-30')).toBe(15); // born some day in 2010: maybe 31 December
    expect(ageOn('2010', '2026-12-31')).toBe(16);
    expect(ageOn('2010-05', '2026-05-30')).toBe(15);
    expect(ageOn('2010-05', '2026-06-01')).toBe(16);
  });

  test('NaN when either side is not a date', () => {
    expect(ageOn('2010-02-30', '2026-05-20')).toBeNaN();
    expect(ageOn('20.05.2010', '2026-05-20')).toBeNaN();
    expect(ageOn('2010-13', '2026-05-20')).toBeNaN();
    expect(ageOn('2010-05-20', 'not a date')).toBeNaN();
    expect(ageOn('2010-05-20', new Date(NaN))).toBeNaN();
    expect(ageOn('2010-05-20', '2026-02-30')).toBeNaN();
  });
});
