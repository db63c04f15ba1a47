import { isCalendarDate } from './person-number';

// Norwegian law counts age in local calendar days: an instant is read as its date in Oslo.
// One formatter, made once: Intl formatters are costly to build and this runs for every consent.
const osloDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

type Ymd = [number, number, number];

function calendarDate(value: string): Ymd | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const ymd: Ymd = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isCalendarDate(...ymd) ? ymd : undefined;
}

/**
 * A FHIR birthDate: YYYY-MM-DD, or the partial YYYY-MM and YYYY that FHIR allows. A partial
 * date is read as its last day (day 31 compares as the month's end), so the age is never overstated.
 */
function birthYmd(value: string): Ymd | undefined {
  const date = value.slice(0, 10);
  const partial = /^(\d{4})(?:-(\d{2}))?$/.exec(date);
  if (partial) {
    const month = partial[2] === undefined ? 12 : Number(partial[2]);
    return month >= 1 && month <= 12 ? [Number(partial[1]), month, 31] : undefined;
  }
  return calendarDate(date);
}

let lastMinute = NaN;
let lastDay: Ymd | undefined;

/** The Oslo calendar date of `on`: a plain date (YYYY-MM-DD) as it is, an instant as its date in Oslo. */
function osloDayOf(on: Date | string): Ymd | undefined {
  if (typeof on === 'string' && on.length === 10) return calendarDate(on);
  const at = typeof on === 'string' ? new Date(on) : on;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) return undefined;
  // Oslo's offset from UTC is whole minutes (hours since 1895), so its date changes only at the start
  // of a minute: one formatting per minute serves every check in it (Intl costs microseconds a call).
  const minute = Math.floor(at.getTime() / 60000);
  if (minute !== lastMinute) {
    lastMinute = minute;
    lastDay = calendarDate(osloDate.format(at));
  }
  return lastDay;
}

/**
 * Whole years from birthDate (YYYY-MM-DD, or a partial FHIR date, read as its last possible day)
 * to `on` (a date, or an instant read as its Oslo date); the birthday itself counts. Someone born
 * 29 February turns a year older on 1 March in other years. NaN when either is not a date, as
 * Date arithmetic gives: validators report the unreadable date itself rather than fail here.
 */
export function ageOn(birthDate: string, on: Date | string): number {
  const birth = typeof birthDate === 'string' ? birthYmd(birthDate) : undefined;
  const day = osloDayOf(on);
  if (!birth || !day) return NaN;
  const [by, bm, bd] = birth;
  const [y, m, d] = day;
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}
