/** Whole years from birthDate (YYYY-MM-DD) to `on`; the birthday itself counts. */
export function ageOn(birthDate: string, on: Date | string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number);
  const at = typeof on === 'string' ? new Date(on) : on;
  // Norwegian law counts age in local calendar days; a date-time near midnight UTC is read in Oslo time.
  const local = new Date(at.toLocaleString('en-US', { timeZone: 'Europe/Oslo' }));
  const y = local.getFullYear();
  const m = local.getMonth() + 1;
  const d = local.getDate();
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}
