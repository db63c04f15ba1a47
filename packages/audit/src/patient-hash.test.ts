import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { randomBytes } from 'node:crypto';
import { loadConfig, read, type Env } from '@ipbro/service-kit';
import { auditConfigSpec, auditKeyOf } from './audit-config';
import { patientHasher } from './patient-hash';

test(
  'the audit key, as every service reads it: AUDIT_HMAC_KEY first, then IPBRO_ENCRYPTION_KEY, ' +
    'else none; a wrong key is a config error',
  () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const auditKeyFrom = (env: Env) =>
      auditKeyOf(loadConfig({ ...auditConfigSpec, IPBRO_ENCRYPTION_KEY: read.optional(read.base64Key32()) }, env));
    expect(auditKeyFrom({ AUDIT_HMAC_KEY: a.toString('base64'), IPBRO_ENCRYPTION_KEY: b.toString('base64') })).toEqual(
      a
    );
    expect(auditKeyFrom({ IPBRO_ENCRYPTION_KEY: b.toString('base64') })).toEqual(b);
    expect(auditKeyFrom({})).toBeUndefined();
    expect(() => auditKeyFrom({ AUDIT_HMAC_KEY: 'c2hvcnQ=' })).toThrow(/AUDIT_HMAC_KEY must be 32 bytes/);
  }
);

test('the hash is stable per key, ignores surrounding space, and does not contain the number', () => {
  const fnr = makeSyntheticFodselsnummer('2001-02-03', 45);
  const hash = patientHasher(randomBytes(32));
  expect(hash(fnr)).toBe(hash(` ${fnr} `));
  expect(hash(fnr)).not.toContain(fnr);
  expect(hash(fnr)).not.toBe(hash(makeSyntheticFodselsnummer('2001-02-04', 45)));
});
