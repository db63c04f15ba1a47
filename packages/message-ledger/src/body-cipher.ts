import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * What the ledger needs to keep message bodies unreadable at rest. `aad` binds a stored body to its
 * ledger key, so a body copied onto another record fails to decrypt instead of being delivered there.
 */
export interface BodyCipherLike {
  encrypt(plain: string, aad: string): string;
  decrypt(stored: string, aad: string): string;
  /** True when the stored text is one of this cipher's envelopes (not a body written in clear). */
  isEnvelope(stored: string): boolean;
}

const MAGIC = 'ipbro-enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key's id: derived from the key itself, so no separate setting can disagree with it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('ipbro-body-key:').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM for message bodies. The stored form is `ipbro-enc:v1:<keyId>:<base64 iv|tag|ciphertext>`:
 * the key id travels with the data, so after a rotation (new key current, the old one among
 * `previous`) bodies written under the old key still read, and new ones use the new key.
 */
export class BodyCipher implements BodyCipherLike {
  readonly keyId: string;
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly current: Buffer,
    previous: Buffer[] = []
  ) {
    for (const k of [current, ...previous]) if (k.length !== 32) throw new RangeError(`An AES-256 key is 32 bytes, got ${k.length}`);
    this.keyId = keyIdOf(current);
    this.keys = new Map([...previous, current].map((k) => [keyIdOf(k), k]));
  }

  /** From base64 keys as the environment holds them (IPBRO_ENCRYPTION_KEY, and older ones while rotating). */
  static fromBase64(current: string, previous: string[] = []): BodyCipher {
    return new BodyCipher(Buffer.from(current, 'base64'), previous.filter((p) => p.trim()).map((p) => Buffer.from(p.trim(), 'base64')));
  }

  encrypt(plain: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${MAGIC}${this.keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(stored: string, aad: string): string {
    if (!this.isEnvelope(stored)) throw new Error('not an encrypted body');
    const rest = stored.slice(MAGIC.length);
    const colon = rest.indexOf(':');
    const keyId = rest.slice(0, colon);
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`body encrypted under key ${keyId}, which is not configured (rotate with the old key among the previous ones)`);
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`body under key ${keyId} failed authentication (altered, or stored under another message)`);
    }
  }

  isEnvelope(stored: string): boolean {
    return stored.startsWith(MAGIC);
  }
}

/** Key id of a stored body, or undefined for one written in clear (before encryption was turned on). */
export function storedKeyId(stored: string): string | undefined {
  if (!stored.startsWith(MAGIC)) return undefined;
  const rest = stored.slice(MAGIC.length);
  return rest.slice(0, rest.indexOf(':'));
}

/**
 * The cipher a service runs with: IPBRO_ENCRYPTION_KEY (read as 32 bytes by service-kit) and, while
 * rotating, the previous keys (comma-separated base64). No key: undefined (bodies in clear; the
 * service says so in its log).
 */
export function bodyCipherFromConfig(key: Buffer | undefined, previousBase64: string | undefined): BodyCipher | undefined {
  if (!key) return undefined;
  const previous = (previousBase64 ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return new BodyCipher(key, previous.map((p) => Buffer.from(p, 'base64')));
}
