import { randomBytes } from 'node:crypto';
import { BodyCipher, bodyCipherFromConfig, keyIdOf, storedKeyId } from './body-cipher';

const body = JSON.stringify({ resourceType: 'Bundle', name: 'Ola Nordmann', fnr: '12830551210', text: 'diagnose F32.1' });

test('encrypts to an envelope that names the key and holds none of the text', () => {
  const key = randomBytes(32);
  const cipher = new BodyCipher(key);
  const stored = cipher.encrypt(body, '997005562:m-1');
  expect(stored.startsWith(`ipbro-enc:v1:${keyIdOf(key)}:`)).toBe(true);
  expect(storedKeyId(stored)).toBe(cipher.keyId);
  for (const secret of ['Ola', 'Nordmann', '12830551210', 'F32.1', 'resourceType']) expect(stored).not.toContain(secret);
  expect(cipher.decrypt(stored, '997005562:m-1')).toBe(body);
  // A fresh IV each time: the same body never gives the same ciphertext.
  expect(cipher.encrypt(body, '997005562:m-1')).not.toBe(stored);
});

test('a body moved onto another message, or altered, fails authentication', () => {
  const cipher = new BodyCipher(randomBytes(32));
  const stored = cipher.encrypt(body, '997005562:m-1');
  expect(() => cipher.decrypt(stored, '997005562:m-2')).toThrow(/failed authentication/);
  const tampered = stored.slice(0, -6) + (stored.slice(-6, -5) === 'A' ? 'B' : 'A') + stored.slice(-5);
  expect(() => cipher.decrypt(tampered, '997005562:m-1')).toThrow(/failed authentication/);
});

test('rotation: bodies under the previous key still read; new ones use the new key; an unknown key is named', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new BodyCipher(oldKey).encrypt(body, 'k');
  const rotated = BodyCipher.fromBase64(newKey.toString('base64'), [oldKey.toString('base64')]);
  expect(rotated.decrypt(before, 'k')).toBe(body);
  expect(storedKeyId(rotated.encrypt(body, 'k'))).toBe(keyIdOf(newKey));
  expect(() => new BodyCipher(newKey).decrypt(before, 'k')).toThrow(`key ${keyIdOf(oldKey)}, which is not configured`);
});

test('refuses a key that is not 32 bytes, and text that is not an envelope', () => {
  expect(() => new BodyCipher(randomBytes(16))).toThrow(/32 bytes/);
  expect(() => new BodyCipher(randomBytes(32)).decrypt('{"plain":true}', 'k')).toThrow(/not an encrypted body/);
  expect(storedKeyId('{"plain":true}')).toBeUndefined();
});

test('bodyCipherFromConfig: none without a key; previous keys from a comma-separated list', () => {
  expect(bodyCipherFromConfig(undefined, undefined)).toBeUndefined();
  const oldKey = randomBytes(32);
  const before = new BodyCipher(oldKey).encrypt(body, 'k');
  const c = bodyCipherFromConfig(randomBytes(32), ` ${oldKey.toString('base64')} ,`);
  expect(c?.decrypt(before, 'k')).toBe(body);
  expect(() => bodyCipherFromConfig(randomBytes(32), 'c2hvcnQ=')).toThrow(/32 bytes/);
});
