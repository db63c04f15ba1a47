import { fail, type IdentifierResult } from './identifier-systems';

// HPR-nummer and HER-id are assigned sequentially by their registers; no check-digit rule is
// published for all of them, so only their shape is checked.

/** HPR-nummer (Helsepersonellregisteret): 1–9 digits, not all zero. */
export function checkHprNummer(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) return fail('shape', 'an HPR-nummer has 1 to 9 digits');
  if (/^0+$/.test(value)) return fail('shape', 'an HPR-nummer is not zero');
  return { ok: true };
}

/** HER-id (Adresseregisteret): 1–9 digits, not zero. */
export function checkHerId(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) return fail('shape', 'a HER-id has 1 to 9 digits');
  if (/^0+$/.test(value)) return fail('shape', 'a HER-id is not zero');
  return { ok: true };
}

/** Kommunenummer: 4 digits, the first two the fylke (01–56 as of 2024). */
export function checkKommunenummer(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{4}$/.test(value)) return fail('shape', 'a kommunenummer has exactly 4 digits');
  const fylke = Number(value.slice(0, 2));
  if (fylke < 1 || fylke > 56) return fail('fylke', `a kommunenummer starts with a fylke number 01–56, got ${value.slice(0, 2)}`);
  return { ok: true };
}
