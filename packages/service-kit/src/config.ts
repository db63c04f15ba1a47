import { existsSync } from 'node:fs';

/** A setting that is missing or wrong; its message is the one line a service prints before it exits. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;
export type Reader<T> = (name: string, env: Env) => T;

function raw(name: string, env: Env): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function required(name: string, env: Env): string {
  const v = raw(name, env);
  if (v === undefined) throw new ConfigError(`${name} is required`);
  return v;
}

/** Typed readers of environment variables; each says what it expects when the value is wrong. */
export const read = {
  string:
    (fallback?: string): Reader<string> =>
    (name, env) =>
      raw(name, env) ?? (fallback !== undefined ? fallback : required(name, env)),
  optionalString: (): Reader<string | undefined> => (name, env) => raw(name, env),
  int:
    (fallback?: number, min = 0): Reader<number> =>
    (name, env) => {
      const v = raw(name, env);
      if (v === undefined) {
        if (fallback !== undefined) return fallback;
        throw new ConfigError(`${name} is required (a whole number ≥ ${min})`);
      }
      if (!/^-?\d+$/.test(v) || Number(v) < min)
        throw new ConfigError(`${name} must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
      return Number(v);
    },
  port:
    (fallback?: number): Reader<number> =>
    (name, env) => {
      const n = read.int(fallback, 0)(name, env);
      if (n > 65535) throw new ConfigError(`${name} must be a port number 0–65535, got ${n}`);
      return n;
    },
  url:
    (fallback?: string, protocols = ['http:', 'https:']): Reader<string> =>
    (name, env) => {
      const v = raw(name, env) ?? fallback;
      if (v === undefined) throw new ConfigError(`${name} is required (a URL)`);
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        throw new ConfigError(`${name} must be a URL, got ${JSON.stringify(v)}`);
      }
      if (!protocols.includes(u.protocol))
        throw new ConfigError(`${name} must be a ${protocols.join(' or ')} URL, got ${JSON.stringify(v)}`);
      return v;
    },
  file: (): Reader<string> => (name, env) => {
    const v = required(name, env);
    if (!existsSync(v)) throw new ConfigError(`${name} names ${JSON.stringify(v)}, which does not exist`);
    return v;
  },
  base64Key32: (): Reader<Buffer> => (name, env) => {
    const v = required(name, env);
    const key = Buffer.from(v, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== v.replace(/=+$/, '')) {
      throw new ConfigError(
        `${name} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`
      );
    }
    return key;
  },
  /** Any reader made optional: an unset (or blank) variable reads as undefined, a set one must be right. */
  optional:
    <T>(reader: Reader<T>): Reader<T | undefined> =>
    (name, env) =>
      raw(name, env) === undefined ? undefined : reader(name, env),
  oneOf:
    <T extends string>(values: readonly T[], fallback?: T): Reader<T> =>
    (name, env) => {
      const v = raw(name, env) ?? fallback;
      if (v === undefined) throw new ConfigError(`${name} is required (one of ${values.join(', ')})`);
      if (!values.includes(v as T))
        throw new ConfigError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
      return v as T;
    },
};

export type ConfigSpec<T> = { [K in keyof T]: Reader<T[K]> };

/** The one config loader: reads every setting of the spec, or throws the first ConfigError. */
export function loadConfig<T>(
  spec: ConfigSpec<T>,
  env: Env = process.env,
  names?: Partial<Record<keyof T, string>>
): T {
  const result = {} as T;
  for (const key of Object.keys(spec) as (keyof T)[]) {
    const name = names?.[key] ?? String(key);
    result[key] = spec[key](name, env);
  }
  return result;
}

/**
 * Runs `fn`; a ConfigError becomes one line on stderr and exit code 1, as the contract asks.
 * `exitOnConfigError(fn)` or, to prefix the line with the service, `exitOnConfigError(service, fn)`.
 */
export function exitOnConfigError<T>(fn: () => T): T;
export function exitOnConfigError<T>(service: string, fn: () => T): T;
export function exitOnConfigError<T>(serviceOrFn: string | (() => T), maybeFn?: () => T): T {
  const fn = typeof serviceOrFn === 'function' ? serviceOrFn : (maybeFn as () => T);
  const prefix = typeof serviceOrFn === 'string' ? `${serviceOrFn}: ` : '';
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${prefix}${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/*
 * The contract's settings (CONTRACT.md "Running"), as specs a service spreads into its own:
 * `loadConfig({ ...portConfigSpec(8080), ...authConfigSpec })` (the Redis settings: @ipbro/redis' redisConfigSpec).
 */

/** Delivery settings shared by the workers. */
export const deliveryConfigSpec = {
  /** The first retry's delay; each next one doubles, up to DELIVERY_BACKOFF_MAX_MS. */
  DELIVERY_BACKOFF_MS: read.int(1000, 1),
  DELIVERY_BACKOFF_MAX_MS: read.int(60 * 60 * 1000, 1),
  /**
   * 0 (the default) = enough attempts to keep trying for at least 24 hours with that backoff; the
   * count is derived where the backoff is applied (`deliveryAttemptsFor` in @ipbro/queues), so the
   * arithmetic has one home.
   */
  DELIVERY_ATTEMPTS: read.int(0, 0),
  DELIVERY_TIMEOUT_MS: read.int(10000, 1),
};
/** The delivery settings as the queues and the workers take them (DeliverySettings of @ipbro/queues, and the request timeout). */
export function deliverySettingsOf(c: { [K in keyof typeof deliveryConfigSpec]: number }): {
  firstDelayMs: number;
  ceilingMs: number;
  attempts: number;
  timeoutMs: number;
} {
  return {
    firstDelayMs: c.DELIVERY_BACKOFF_MS,
    ceilingMs: c.DELIVERY_BACKOFF_MAX_MS,
    attempts: c.DELIVERY_ATTEMPTS,
    timeoutMs: c.DELIVERY_TIMEOUT_MS,
  };
}
/** PORT, with the service's own default (none: required). */
export const portConfigSpec = (fallback?: number) => ({ PORT: read.port(fallback) });
export const directoryConfigSpec = { DIRECTORY_FILE: read.file() };
/** The key for message bodies at rest: 32 bytes, base64. */
export const encryptionKeyConfigSpec = { IPBRO_ENCRYPTION_KEY: read.base64Key32() };
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const logConfigSpec = { LOG_LEVEL: read.oneOf(LOG_LEVELS, 'info') };
