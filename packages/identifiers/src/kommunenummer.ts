import { fail, type IdentifierResult } from './identifier-result';

/**
 * Kommunenummer (code system urn:oid:2.16.578.1.12.4.1.1.3402): 4 digits, the first two the
 * fylke. Fylke numbers of every reform so far (01–20 before 2020, up to 56 since 2024) lie in
 * 01–56, so that range is checked rather than today's list, which changes with each reform.
 */
export function checkKommunenummer(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{4}$/.test(value))
    return fail('shape', 'a kommunenummer has exactly 4 digits');
  const fylke = Number(value.slice(0, 2));
  if (fylke < 1 || fylke > 56)
    return fail('fylke', `a kommunenummer starts with a fylke number 01–56, got ${value.slice(0, 2)}`);
  return { ok: true };
}
