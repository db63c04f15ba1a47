import { ConfigError } from '@ipbro/service-kit';
import { join } from 'node:path';
import { loadRouterConfig } from './config';

const env = {
  DIRECTORY_FILE: join(__dirname, '..', '..', '..', 'packages', 'directory', 'demo-directory.json'),
  IPBRO_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

test('receipts IP-bro decides are signed by the organisation set, checked as an organisasjonsnummer', () => {
  expect(loadRouterConfig(env)).toMatchObject({ RECEIPT_SENDER_ORGNR: '994598759', RECEIPT_SENDER_NAME: 'IP-bro' });
  const own = loadRouterConfig({ ...env, RECEIPT_SENDER_ORGNR: '997005562', RECEIPT_SENDER_NAME: 'Drift HF' });
  expect(own).toMatchObject({ RECEIPT_SENDER_ORGNR: '997005562', RECEIPT_SENDER_NAME: 'Drift HF' });
  expect(() => loadRouterConfig({ ...env, RECEIPT_SENDER_ORGNR: '997005563' })).toThrow(ConfigError);
  expect(() => loadRouterConfig({ ...env, RECEIPT_SENDER_ORGNR: '997005563' })).toThrow(
    /RECEIPT_SENDER_ORGNR must be an organisasjonsnummer: the check digit/
  );
});
