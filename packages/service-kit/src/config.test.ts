import {
  ConfigError,
  deliveryConfigSpec,
  directoryConfigSpec,
  encryptionKeyConfigSpec,
  exitOnConfigError,
  loadConfig,
  logConfigSpec,
  portConfigSpec,
  read,
} from './config';
import { loadAuthConfig } from './auth';

test('defaults from the contract, and typed values', () => {
  const c = loadConfig({ ...deliveryConfigSpec, PORT: read.port() }, { PORT: '8080' });
  expect(c).toEqual({
    DELIVERY_BACKOFF_MS: 1000,
    DELIVERY_BACKOFF_MAX_MS: 3600000,
    DELIVERY_ATTEMPTS: 0,
    DELIVERY_TIMEOUT_MS: 10000,
    PORT: 8080,
  });
});

test.each([
  [{ PORT: read.port() }, {}, 'PORT is required (a whole number ≥ 0)'],
  [{ PORT: read.port() }, { PORT: 'eighty' }, 'PORT must be a whole number ≥ 0, got "eighty"'],
  [{ PORT: read.port() }, { PORT: '70000' }, 'PORT must be a port number 0–65535, got 70000'],
  [
    { U: read.url(undefined, ['redis:', 'rediss:']) },
    { U: 'http://x' },
    'U must be a redis: or rediss: URL, got "http://x"',
  ],
  [
    { DIRECTORY_FILE: read.file() },
    { DIRECTORY_FILE: '/nope/dir.json' },
    'DIRECTORY_FILE names "/nope/dir.json", which does not exist',
  ],
  [
    { IPBRO_ENCRYPTION_KEY: read.base64Key32() },
    { IPBRO_ENCRYPTION_KEY: 'c2hvcnQ=' },
    'IPBRO_ENCRYPTION_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`), got 5 bytes',
  ],
])('a missing or wrong setting is one line naming it (%#)', (spec, env, message) => {
  expect(() => loadConfig(spec as never, env)).toThrow(new ConfigError(message));
});

test('a 32-byte key is read', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  expect(loadConfig({ K: read.base64Key32() }, { K: key }).K.length).toBe(32);
});

test('auth needs issuer, audience and a JWKS, unless insecure-dev is said out loud', () => {
  expect(() => loadAuthConfig({})).toThrow('AUTH_ISSUER is required');
  expect(() => loadAuthConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })).toThrow(
    'AUTH_JWKS_URL or AUTH_JWKS_FILE is required'
  );
  expect(loadAuthConfig({ AUTH_MODE: 'insecure-dev' })).toEqual({
    mode: 'insecure-dev',
    rateLimit: { requests: 100000, windowSeconds: 60, bytes: 1073741824 },
  });
  expect(() => loadAuthConfig({ AUTH_MODE: 'off' })).toThrow('AUTH_MODE must be one of jwt, insecure-dev, got "off"');
});

test('optional readers: unset is undefined, set must still be right; oneOf and url defaults', () => {
  const spec = {
    N: read.optional(read.int()),
    U: read.optional(read.url()),
    MODE: read.oneOf(['a', 'b'] as const, 'a'),
  };
  expect(loadConfig(spec, {})).toEqual({ N: undefined, U: undefined, MODE: 'a' });
  expect(loadConfig(spec, { N: ' 7 ', U: 'https://x.test/jwks', MODE: 'b' })).toEqual({
    N: 7,
    U: 'https://x.test/jwks',
    MODE: 'b',
  });
  expect(() => loadConfig(spec, { N: '7.5' })).toThrow(new ConfigError('N must be a whole number ≥ 0, got "7.5"'));
  expect(() => loadConfig(spec, { U: 'not a url' })).toThrow(new ConfigError('U must be a URL, got "not a url"'));
  expect(() => loadAuthConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: '/nope/jwks.json' })).toThrow(
    'AUTH_JWKS_FILE names "/nope/jwks.json", which does not exist'
  );
});

test('the contract specs: PORT, DIRECTORY_FILE, IPBRO_ENCRYPTION_KEY, LOG_LEVEL', () => {
  const spec = { ...portConfigSpec(8083), ...directoryConfigSpec, ...encryptionKeyConfigSpec, ...logConfigSpec };
  const key = Buffer.alloc(32, 1).toString('base64');
  const c = loadConfig(spec, { DIRECTORY_FILE: __filename, IPBRO_ENCRYPTION_KEY: key });
  expect({ ...c, IPBRO_ENCRYPTION_KEY: c.IPBRO_ENCRYPTION_KEY.toString('base64') }).toEqual({
    PORT: 8083,
    DIRECTORY_FILE: __filename,
    IPBRO_ENCRYPTION_KEY: key,
    LOG_LEVEL: 'info',
  });
  expect(() => loadConfig(spec, { IPBRO_ENCRYPTION_KEY: key })).toThrow(new ConfigError('DIRECTORY_FILE is required'));
  expect(() => loadConfig(spec, { DIRECTORY_FILE: __filename, IPBRO_ENCRYPTION_KEY: key + 'AAAA' })).toThrow(
    /IPBRO_ENCRYPTION_KEY must be 32 bytes in base64/
  );
});

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

describe('exitOnConfigError', () => {
  let exit: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    // process.exit never returns; the mock throws so the code after it cannot run either.
    exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Exited(code);
    }) as never);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    exit.mockRestore();
    stderr.mockRestore();
  });

  test('a ConfigError is one line on stderr and exit 1, with or without the service name', () => {
    expect(() => exitOnConfigError(() => loadConfig({ PORT: read.port() }, {}))).toThrow(Exited);
    expect(() => exitOnConfigError('gateway', () => loadConfig({ PORT: read.port() }, { PORT: 'x' }))).toThrow(Exited);
    expect(stderr.mock.calls.map((c) => c[0])).toEqual([
      'PORT is required (a whole number ≥ 0)\n',
      'gateway: PORT must be a whole number ≥ 0, got "x"\n',
    ]);
    expect(exit.mock.calls).toEqual([[1], [1]]);
  });

  test('a good config is returned; another error is not swallowed', () => {
    expect(exitOnConfigError(() => loadConfig({ PORT: read.port() }, { PORT: '80' }))).toEqual({ PORT: 80 });
    expect(() =>
      exitOnConfigError(() => {
        throw new TypeError('bug');
      })
    ).toThrow('bug');
    expect(exit).not.toHaveBeenCalled();
  });
});
