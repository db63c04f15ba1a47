import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

/**
 * What the ledger needs to keep message bodies unreadable at rest. `aad` binds a stored body to its
 * ledger key, so a body copied onto another record fails to decrypt instead of being delivered there.
 */
export interface BodyCipherLike {
  encrypt(plain: string, aad: string): Buffer;
  /** The plain bytes (UTF-8). */
  decrypt(stored: Buffer | string, aad: string): Buffer;
  /** True when the stored bytes are one of this cipher's envelopes (not a body written in clear). */
  isEnvelope(stored: Buffer | string): boolean;
}

/** The envelope written now: the ciphertext as bytes. */
const MAGIC = 'ipbro-enc:v2:';
/** The envelope written before: the same, base64 text (a third larger); still read. */
const MAGIC_V1 = 'ipbro-enc:v1:';
const KEY_ID_CHARS = 16;
const HEADER_BYTES = MAGIC.length + KEY_ID_CHARS + 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key's id: derived from the key itself, so no separate setting can disagree with it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('ipbro-body-key:').update(key).digest('hex').slice(0, KEY_ID_CHARS);
}

const startsWith = (stored: Buffer | string, magic: string): boolean =>
  typeof stored === 'string'
    ? stored.startsWith(magic)
    : stored.length >= magic.length && stored.toString('latin1', 0, magic.length) === magic;

/**
 * AES-256-GCM for message bodies. The stored form is the bytes `ipbro-enc:v2:<keyId>:` followed by
 * iv|tag|ciphertext: the key id travels with the data, so after a rotation (new key current, the
 * old one among `previous`) bodies written under the old key still read, and new ones use the new
 * key. Bodies stored in the earlier envelope, `ipbro-enc:v1:<keyId>:<base64 iv|tag|ciphertext>`, read too.
 */
export class BodyCipher implements BodyCipherLike {
  readonly keyId: string;
  // KeyObjects, made once: a raw key Buffer would be imported again on every cipher.
  private readonly keys: Map<string, KeyObject>;
  private readonly current: KeyObject;
  private readonly header: Buffer;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const k of [current, ...previous])
      if (k.length !== 32) throw new RangeError(`An AES-256 key is 32 bytes, got ${k.length}`);
    this.keyId = keyIdOf(current);
    this.current = createSecretKey(current);
    this.keys = new Map([...previous, current].map((k) => [keyIdOf(k), createSecretKey(k)]));
    this.header = Buffer.from(`${MAGIC}${this.keyId}:`, 'latin1');
  }

  /** From base64 keys as the environment holds them (IPBRO_ENCRYPTION_KEY, and older ones while rotating). */
  static fromBase64(current: string, previous: string[] = []): BodyCipher {
    return new BodyCipher(
      Buffer.from(current, 'base64'),
      previous.filter((p) => p.trim()).map((p) => Buffer.from(p.trim(), 'base64'))
    );
  }

  encrypt(plain: string, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = cipher.update(plain, 'utf8');
    const last = cipher.final();
    return Buffer.concat([this.header, iv, cipher.getAuthTag(), body, last]);
  }

  /** The plain bytes (the message's UTF-8 JSON): a delivery sends them on without decoding them. */
  decrypt(stored: Buffer | string, aad: string): Buffer {
    let keyId: string;
    let raw: Buffer;
    if (startsWith(stored, MAGIC) && typeof stored !== 'string') {
      keyId = stored.toString('latin1', MAGIC.length, MAGIC.length + KEY_ID_CHARS);
      raw = stored.subarray(HEADER_BYTES);
    } else if (startsWith(stored, MAGIC_V1)) {
      const rest = stored.toString('latin1').slice(MAGIC_V1.length);
      const colon = rest.indexOf(':');
      keyId = rest.slice(0, colon);
      raw = Buffer.from(rest.slice(colon + 1), 'base64');
    } else {
      throw new Error('not an encrypted body');
    }
    const key = this.keys.get(keyId);
    if (!key)
      throw new Error(
        `body encrypted under key ${keyId}, which is not configured (rotate with the old key among the previous ones)`
      );
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      const plain = decipher.update(raw.subarray(IV_BYTES + TAG_BYTES));
      const rest = decipher.final();
      // GCM is a stream mode: final() brings nothing more, and the copy a concat makes is saved.
      return rest.length ? Buffer.concat([plain, rest]) : plain;
    } catch {
      throw new Error(`body under key ${keyId} failed authentication (altered, or stored under another message)`);
    }
  }

  isEnvelope(stored: Buffer | string): boolean {
    return storedKeyId(stored) !== undefined;
  }
}

/** Key id of a stored body, or undefined for one written in clear (before encryption was turned on). */
export function storedKeyId(stored: Buffer | string): string | undefined {
  for (const magic of [MAGIC, MAGIC_V1]) {
    if (!startsWith(stored, magic)) continue;
    const head =
      typeof stored === 'string'
        ? stored.slice(0, magic.length + KEY_ID_CHARS + 1)
        : stored.toString('latin1', 0, magic.length + KEY_ID_CHARS + 1);
    const rest = head.slice(magic.length);
    const colon = rest.indexOf(':');
    return colon < 0 ? undefined : rest.slice(0, colon);
  }
  return undefined;
}

/**
 * The cipher a service runs with: IPBRO_ENCRYPTION_KEY (read as 32 bytes by service-kit) and, while
 * rotating, the previous keys (comma-separated base64). No key: undefined (bodies in clear; the
 * service says so in its log).
 */
export function bodyCipherFromConfig(
  key: Buffer | undefined,
  previousBase64: string | undefined
): BodyCipher | undefined {
  if (!key) return undefined;
  const previous = (previousBase64 ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return new BodyCipher(
    key,
    previous.map((p) => Buffer.from(p, 'base64'))
  );
}
