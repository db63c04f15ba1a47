import { fail, type IdentifierResult } from './identifier-result';

// HER-ids are assigned sequentially by Adresseregisteret (Norsk helsenett); they carry no check digit.

/** HER-id (the messaging address in Adresseregisteret): 1–9 digits, not zero. */
export function checkHerId(value: string): IdentifierResult {
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value)) return fail('shape', 'a HER-id has 1 to 9 digits');
  if (/^0+$/.test(value)) return fail('zero', 'a HER-id is not zero');
  return { ok: true };
}
