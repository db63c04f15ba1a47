import { createHmac } from 'node:crypto';

/**
 * The patient in an audit record: HMAC-SHA256 of the person number. A plain hash would not do (all
 * fødselsnumre can be hashed and looked up); with the key, the same person gives the same value in
 * every record, so a trail can be followed, but the number cannot be read back.
 */
export type PatientHasher = (personNumber: string) => string;

export function patientHasher(secret: Buffer): PatientHasher {
  // A key of its own, derived for this use, so the hashes here match no other keyed hash made from the same secret.
  const key = createHmac('sha256', secret).update('ipbro audit patient v1').digest();
  return (personNumber) => createHmac('sha256', key).update(personNumber.trim()).digest('base64url');
}
