import { fail, type IdentifierResult } from './identifier-result';

// HPR-nummer are assigned sequentially by Helsepersonellregisteret; no check-digit rule is
// published for all of them, so only the shape is checked.

/** HPR-nummer (Helsepersonellregisteret): 1–9 digits, not zero. */
export function checkHprNummer(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) return fail('shape', 'an HPR-nummer has 1 to 9 digits');
  if (/^0+$/.test(value)) return fail('zero', 'an HPR-nummer is not zero');
  return { ok: true };
}
