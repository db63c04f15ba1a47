/**
 * The moment rules are checked at (ages, plan periods), as a caller may fix it: a date-time with
 * a zone, as FHIR instants are (a bare date would mean different moments on different servers).
 * Undefined when the text is not one.
 */
export function parseNow(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
