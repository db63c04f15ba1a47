import { ConfigError, deliveryConfigSpec, loadConfig, read, redisConfigSpec } from './config';
import { loadAuthConfig } from './auth';

test('defaults from the contract, and typed values', () => {
  const c = loadConfig({ ...redisConfigSpec, ...deliveryConfigSpec, PORT: read.port() }, { PORT: '8080' });
  expect(c).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379', DELIVERY_BACKOFF_MS: 1000, DELIVERY_BACKOFF_MAX_MS: 3600000, DELIVERY_ATTEMPTS: 0, DELIVERY_TIMEOUT_MS: 10000, PORT: 8080 });
});

test.each([
  [{ PORT: read.port() }, {}, 'PORT is required (a whole number ≥ 0)'],
  [{ PORT: read.port() }, { PORT: 'eighty' }, 'PORT must be a whole number ≥ 0, got "eighty"'],
  [{ PORT: read.port() }, { PORT: '70000' }, 'PORT must be a port number 0–65535, got 70000'],
  [redisConfigSpec, { REDIS_URL: 'http://x' }, 'REDIS_URL must be a redis: or rediss: URL, got "http://x"'],
  [{ DIRECTORY_FILE: read.file() }, { DIRECTORY_FILE: '/nope/dir.json' }, 'DIRECTORY_FILE names "/nope/dir.json", which does not exist'],
  [{ IPBRO_ENCRYPTION_KEY: read.base64Key32() }, { IPBRO_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'IPBRO_ENCRYPTION_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`), got 5 bytes'],
])('a missing or wrong setting is one line naming it (%#)', (spec, env, message) => {
  expect(() => loadConfig(spec as never, env)).toThrow(new ConfigError(message));
});

test('a 32-byte key is read', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  expect(loadConfig({ K: read.base64Key32() }, { K: key }).K.length).toBe(32);
});

test('auth needs issuer, audience and a JWKS, unless insecure-dev is said out loud', () => {
  expect(() => loadAuthConfig({})).toThrow('AUTH_ISSUER is required');
  expect(() => loadAuthConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })).toThrow('AUTH_JWKS_URL or AUTH_JWKS_FILE is required');
  expect(loadAuthConfig({ AUTH_MODE: 'insecure-dev' })).toEqual({ mode: 'insecure-dev' });
  expect(() => loadAuthConfig({ AUTH_MODE: 'off' })).toThrow('AUTH_MODE must be one of jwt, insecure-dev, got "off"');
});
