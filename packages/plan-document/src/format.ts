import type { HumanName, Period } from '@ipbro/ip-model';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const osloParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * A FHIR date or date-time as a Norwegian reader writes it: "21.11.2026", or "21.11.2026 kl. 09.00"
 * in Oslo time (a date-time carries its own zone; a plan read in Oslo shows Oslo's clock).
 * Anything else is shown as it was given.
 */
export function norwegianDate(value: string | undefined): string {
  if (!value) return '';
  const date = DATE_ONLY.exec(value);
  if (date) return `${date[3]}.${date[2]}.${date[1]}`;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) return value;
  const p = Object.fromEntries(osloParts.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} kl. ${p.hour}.${p.minute}`;
}

/** "21.11.2026–21.11.2027", "fra 21.11.2026", "til 21.11.2027", or '' for no period. */
export function periodText(period: Period | undefined): string {
  const start = norwegianDate(period?.start);
  const end = norwegianDate(period?.end);
  if (start && end) return `${start}–${end}`;
  if (start) return `fra ${start}`;
  return end ? `til ${end}` : '';
}

/** Given names, then family name: "Ola Nordmann". */
export function nameText(name: HumanName | undefined): string {
  return [...(name?.given ?? []), name?.family].filter((s): s is string => !!s && s.trim().length > 0).join(' ');
}

/** Joins the non-empty parts with `separator`. */
export const joinText = (parts: (string | undefined)[], separator = ', '): string =>
  parts.filter((p): p is string => !!p).join(separator);
