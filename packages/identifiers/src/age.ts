// Norwegian law counts age in local calendar days: a date-time is read as its date in Oslo.
// One formatter, made once: Intl formatters are costly to build and this runs for every consent.
const osloDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Whole years from birthDate (YYYY-MM-DD) to `on`; the birthday itself counts. */
export function ageOn(birthDate: string, on: Date | string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number);
  const at = typeof on === 'string' ? new Date(on) : on;
  const [y, m, d] = osloDate.format(at).split('-').map(Number);
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}
