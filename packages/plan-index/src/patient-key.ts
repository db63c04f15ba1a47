import { createHmac } from 'node:crypto';

export type PatientKeyer = (personNumber: string) => string;

/**
 * The Redis key of a person: HMAC-SHA256 of the fødselsnummer (or D-nummer). A plain hash would not
 * do: there are few enough fødselsnumre to hash them all and read the index back. The HMAC key is
 * derived from IPBRO_ENCRYPTION_KEY (base64, 32 bytes) with its own label, so the one secret ops
 * manage serves both, and neither use gives the other's key away. (Rotating that key re-keys the
 * index: the plan index and consent registry then start afresh for everyone.)
 */
export function patientKeyer(encryptionKey: Buffer | string): PatientKeyer {
  const secret = typeof encryptionKey === 'string' ? Buffer.from(encryptionKey, 'base64') : encryptionKey;
  if (secret.length !== 32)
    throw new RangeError(`IPBRO_ENCRYPTION_KEY must be 32 bytes in base64, got ${secret.length} bytes`);
  const key = createHmac('sha256', secret).update('ipbro patient index v1').digest();
  return (personNumber: string) => createHmac('sha256', key).update(personNumber.trim()).digest('base64url');
}
