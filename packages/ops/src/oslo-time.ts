/** Norwegian operators read Norwegian time: Europe/Oslo, summer time included, with the zone said. */
const OSLO = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/** An ISO time (or a Date) as `2026-11-30 09:00:00 CET` in Europe/Oslo; the text as given when it is no time. */
export function osloTime(at: string | Date | undefined): string {
  if (at === undefined) return '';
  const date = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(date.getTime()) ? String(at) : OSLO.format(date);
}
