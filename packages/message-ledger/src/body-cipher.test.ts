import { createCipheriv, randomBytes } from 'node:crypto';
import { BodyCipher, bodyCipherFromConfig, keyIdOf, storedKeyId } from './body-cipher';

const body = JSON.stringify({
  resourceType: 'Bundle',
  name: 'Ola Nordmann',
  fnr: '12830551210',
  text: 'diagnose F32.1',
});

test('encrypts to an envelope that names the key and holds none of the text', () => {
  const key = randomBytes(32);
  const cipher = new BodyCipher(key);
  const stored = cipher.encrypt(body, '997005562:m-1');
  expect(stored.toString('latin1').startsWith(`ipbro-enc:v2:${keyIdOf(key)}:`)).toBe(true);
  expect(storedKeyId(stored)).toBe(cipher.keyId);
  for (const secret of ['Ola', 'Nordmann', '12830551210', 'F32.1', 'resourceType'])
    expect(stored.includes(secret)).toBe(false);
  expect(cipher.decrypt(stored, '997005562:m-1').toString('utf8')).toBe(body);
  // Bytes, not base64: the header, IV and tag add 58 bytes to the text's own length.
  expect(stored.length).toBe(Buffer.byteLength(body) + 13 + 17 + 12 + 16);
  // A fresh IV each time: the same body never gives the same ciphertext.
  expect(cipher.encrypt(body, '997005562:m-1').equals(stored)).toBe(false);
});

test('a body moved onto another message, or altered, fails authentication', () => {
  const cipher = new BodyCipher(randomBytes(32));
  const stored = cipher.encrypt(body, '997005562:m-1');
  expect(() => cipher.decrypt(stored, '997005562:m-2')).toThrow(/failed authentication/);
  const tampered = Buffer.from(stored);
  tampered[tampered.length - 6] ^= 1;
  expect(() => cipher.decrypt(tampered, '997005562:m-1')).toThrow(/failed authentication/);
});

test('rotation: bodies under the previous key still read; new ones use the new key; an unknown key is named', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new BodyCipher(oldKey).encrypt(body, 'k');
  const rotated = BodyCipher.fromBase64(newKey.toString('base64'), [oldKey.toString('base64')]);
  expect(rotated.decrypt(before, 'k').toString('utf8')).toBe(body);
  expect(storedKeyId(rotated.encrypt(body, 'k'))).toBe(keyIdOf(newKey));
  expect(() => new BodyCipher(newKey).decrypt(before, 'k')).toThrow(`key ${keyIdOf(oldKey)}, which is not configured`);
});

test('a body stored in the earlier base64 envelope (ipbro-enc:v1) still reads, as bytes or as text', () => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from('k', 'utf8'));
  const ciphertext = Buffer.concat([c.update(body, 'utf8'), c.final()]);
  const v1 = `ipbro-enc:v1:${keyIdOf(key)}:${Buffer.concat([iv, c.getAuthTag(), ciphertext]).toString('base64')}`;
  const cipher = new BodyCipher(key);
  expect(storedKeyId(v1)).toBe(cipher.keyId);
  expect(cipher.decrypt(v1, 'k').toString('utf8')).toBe(body);
  expect(cipher.decrypt(Buffer.from(v1, 'latin1'), 'k').toString('utf8')).toBe(body);
  expect(cipher.isEnvelope(Buffer.from(v1, 'latin1'))).toBe(true);
});

test('refuses a key that is not 32 bytes, and text that is not an envelope', () => {
  expect(() => new BodyCipher(randomBytes(16))).toThrow(/32 bytes/);
  expect(() => new BodyCipher(randomBytes(32)).decrypt('{"plain":true}', 'k')).toThrow(/not an encrypted body/);
  expect(() => new BodyCipher(randomBytes(32)).decrypt(Buffer.from('{"plain":true}'), 'k')).toThrow(
    /not an encrypted body/
  );
  expect(storedKeyId('{"plain":true}')).toBeUndefined();
  expect(storedKeyId(Buffer.from('{"plain":true}'))).toBeUndefined();
});

test('bodyCipherFromConfig: none without a key; previous keys from a comma-separated list', () => {
  expect(bodyCipherFromConfig(undefined, undefined)).toBeUndefined();
  const oldKey = randomBytes(32);
  const before = new BodyCipher(oldKey).encrypt(body, 'k');
  const c = bodyCipherFromConfig(randomBytes(32), ` ${oldKey.toString('base64')} ,`);
  expect(c?.decrypt(before, 'k')?.toString('utf8')).toBe(body);
  expect(() => bodyCipherFromConfig(randomBytes(32), 'c2hvcnQ=')).toThrow(/32 bytes/);
});
