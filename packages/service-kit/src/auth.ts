import { forbidden, serviceUnavailable, tooManyRequests, unauthorized } from '@ipbro/outcome';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { readFileSync } from 'node:fs';
import { read, type ConfigSpec, type Env, ConfigError, loadConfig } from './config';
import { memoryReplayStore, redisReplayStore, verifyDpopProof, type RedisSetNx, type ReplayStore } from './dpop';
import type { Logger } from './logger';
import { chargeBodyWith } from './fhir-body';
import {
  memoryRateLimiter,
  redisRateLimiter,
  type RateCost,
  type RateLimit,
  type RateLimiter,
  type RedisScripting,
} from './rate-limit';
import { VerifiedTokenCache } from './token-cache';

/** HelseID's claim for the client's (parent) organisation number. */
export const ORGNR_CLAIM = 'helseid://claims/client/claims/orgnr_parent';
export const SCOPES = { write: 'ipbro:message.write', read: 'ipbro:message.read', ops: 'ipbro:ops' } as const;
/** Asymmetric algorithms only: never `none`, never HS* (a public key must not become a shared secret). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
/** Access-token types accepted in the JWT header (RFC 9068 `at+jwt`; HelseID's older tokens say `JWT`). */
export const ACCESS_TOKEN_TYPES = ['at+jwt', 'application/at+jwt', 'JWT'];
/**
 * Default per-client budget: generous, so that benchmarks and bulk tests are not throttled. The bytes
 * bound what one client can make a replica read and parse: 1 GiB a minute is thirty-odd epikriser
 * at the body limit, or the request budget's worth of meldeplikt.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 100_000, windowSeconds: 60, bytes: 1024 ** 3 };

export interface AuthContext {
  subject?: string;
  clientId?: string;
  orgnr?: string;
  scopes: string[];
  insecure: boolean;
  /** The key thumbprint a DPoP-bound token (`cnf.jkt`) is bound to; its proof was checked on this request. */
  dpopJkt?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's Request type can only be augmented through its namespace
  namespace Express {
    interface Request {
      /** Set by `requireScope` once the token is verified; read it with `authOf(req)`. */
      auth?: AuthContext;
    }
  }
}

export type AuthConfig =
  | {
      mode: 'jwt';
      issuer: string;
      audience: string;
      jwksUrl?: string;
      jwksFile?: string;
      /** Clock skew allowed on exp, nbf and DPoP iat (default 30 s). */
      clockToleranceSeconds?: number;
      /** How old a DPoP proof may be (default 60 s). */
      dpopWindowSeconds?: number;
      /** The URL clients address this service by, for DPoP `htu` (default: from the request's Host). */
      publicUrl?: string;
      /** Per-client budget of requests and body bytes (default DEFAULT_RATE_LIMIT; 0 turns either off). */
      rateLimit?: RateLimit;
      /** After a JWKS fetch, an unknown `kid` fetches again only this much later (default 30 s): no refetch storm. */
      jwksCooldownMs?: number;
    }
  | { mode: 'insecure-dev'; rateLimit?: RateLimit };

/** Where the replay cache and the rate counter live; Redis so that every replica shares them. */
export interface AuthStores {
  /** An ioredis client: DPoP proof ids and request counts under `prefix`. */
  redis?: RedisSetNx & RedisScripting;
  prefix?: string;
  replay?: ReplayStore;
  rateLimiter?: RateLimiter;
  /** Verified tokens kept (default 10,000; 0 verifies every request). */
  tokenCacheSize?: number;
}

export interface Authenticator {
  config: AuthConfig;
  authenticate(req: Request): Promise<AuthContext>;
  /** Middleware: 401 without a valid token, 403 when it lacks every one of `scopes`. */
  requireScope(...scopes: string[]): RequestHandler;
}

/**
 * AUTH_MODE, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE (CONTRACT.md "Running"), and
 * AUTH_CLOCK_SKEW_SECONDS (30), AUTH_DPOP_WINDOW_SECONDS (60), AUTH_PUBLIC_URL,
 * RATE_LIMIT_REQUESTS (100000; 0 = off) and RATE_LIMIT_BYTES (1 GiB; 0 = off) per RATE_LIMIT_WINDOW_SECONDS (60)
 * per client.
 */
export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const { AUTH_MODE, RATE_LIMIT_REQUESTS, RATE_LIMIT_BYTES, RATE_LIMIT_WINDOW_SECONDS } = loadConfig(
    {
      AUTH_MODE: read.oneOf(['jwt', 'insecure-dev'] as const, 'jwt'),
      RATE_LIMIT_REQUESTS: read.int(DEFAULT_RATE_LIMIT.requests, 0),
      RATE_LIMIT_BYTES: read.int(DEFAULT_RATE_LIMIT.bytes, 0),
      RATE_LIMIT_WINDOW_SECONDS: read.int(DEFAULT_RATE_LIMIT.windowSeconds, 1),
    },
    env
  );
  const rateLimit = {
    requests: RATE_LIMIT_REQUESTS,
    windowSeconds: RATE_LIMIT_WINDOW_SECONDS,
    bytes: RATE_LIMIT_BYTES,
  };
  if (AUTH_MODE === 'insecure-dev') return { mode: 'insecure-dev', rateLimit };
  const spec: ConfigSpec<{
    AUTH_ISSUER: string;
    AUTH_AUDIENCE: string;
    AUTH_JWKS_URL: string | undefined;
    AUTH_JWKS_FILE: string | undefined;
    AUTH_CLOCK_SKEW_SECONDS: number;
    AUTH_DPOP_WINDOW_SECONDS: number;
    AUTH_PUBLIC_URL: string | undefined;
  }> = {
    AUTH_ISSUER: read.string(),
    AUTH_AUDIENCE: read.string(),
    AUTH_JWKS_URL: read.optional(read.url()),
    AUTH_JWKS_FILE: read.optional(read.file()),
    AUTH_CLOCK_SKEW_SECONDS: read.int(30, 0),
    AUTH_DPOP_WINDOW_SECONDS: read.int(60, 1),
    AUTH_PUBLIC_URL: read.optional(read.url()),
  };
  const c = loadConfig(spec, env);
  if (!c.AUTH_JWKS_URL && !c.AUTH_JWKS_FILE)
    throw new ConfigError('AUTH_JWKS_URL or AUTH_JWKS_FILE is required (or AUTH_MODE=insecure-dev, said out loud)');
  if (c.AUTH_CLOCK_SKEW_SECONDS > 300)
    throw new ConfigError(`AUTH_CLOCK_SKEW_SECONDS must be small (≤ 300), got ${c.AUTH_CLOCK_SKEW_SECONDS}`);
  return {
    mode: 'jwt',
    issuer: c.AUTH_ISSUER,
    audience: c.AUTH_AUDIENCE,
    jwksUrl: c.AUTH_JWKS_URL,
    jwksFile: c.AUTH_JWKS_FILE,
    clockToleranceSeconds: c.AUTH_CLOCK_SKEW_SECONDS,
    dpopWindowSeconds: c.AUTH_DPOP_WINDOW_SECONDS,
    ...(c.AUTH_PUBLIC_URL ? { publicUrl: c.AUTH_PUBLIC_URL } : {}),
    rateLimit,
  };
}

/** For composing with the other specs: `loadConfig({ ...authConfigSpec, ...portConfigSpec(8080) })` gives `auth`. */
export const authConfigSpec: ConfigSpec<{ auth: AuthConfig }> = { auth: (_name, env) => loadAuthConfig(env) };

function scopesOf(payload: JWTPayload): string[] {
  const s = payload.scope ?? payload.scp;
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string');
  return typeof s === 'string' ? s.split(' ').filter(Boolean) : [];
}

/** The issuer's keys could not be had (unreachable, timed out, not a JWKS): our outage, not the caller's fault. */
class KeysUnavailable extends Error {}

function keySource(config: Extract<AuthConfig, { mode: 'jwt' }>): JWTVerifyGetKey {
  const cooldownMs = config.jwksCooldownMs ?? 30_000;
  if (config.jwksFile) {
    const file = config.jwksFile;
    const load = () => createLocalJWKSet(JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet);
    let local = load();
    let loadedAt = Date.now();
    // Rotation by file: an unknown kid reads the file again, at most once per cooldown.
    return async (header, token) => {
      try {
        return await local(header, token);
      } catch (err) {
        if (!(err instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - loadedAt < cooldownMs) throw err;
        loadedAt = Date.now();
        try {
          local = load();
        } catch {
          throw err; // a file caught half-written keeps the keys we had
        }
        return local(header, token);
      }
    };
  }
  // jose caches the JWKS and refetches it once when a token names an unknown `kid` (key rotation).
  // Concurrent requests share one fetch; the cooldown keeps a stream of unknown kids from hammering the issuer.
  const remote = createRemoteJWKSet(new URL(config.jwksUrl as string), {
    cooldownDuration: cooldownMs,
    cacheMaxAge: 10 * 60_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const fetchFailed =
        !(err instanceof joseErrors.JOSEError) ||
        err instanceof joseErrors.JWKSTimeout ||
        err instanceof joseErrors.JWKSInvalid ||
        err.code === 'ERR_JOSE_GENERIC';
      if (fetchFailed) throw new KeysUnavailable((err as Error).message);
      throw err;
    }
  };
}

interface Verified {
  context: AuthContext;
  /** `cnf.jkt` of a DPoP-bound token. */
  jkt?: string;
}

const MAX_TOKEN_LENGTH = 16 * 1024;

/** `Authorization: Bearer <token>` or `Authorization: DPoP <token>` (RFC 9449 §7.1). */
function credentials(req: Request): { scheme: 'bearer' | 'dpop'; token: string } {
  const header = req.headers.authorization;
  const m = header ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header) : null;
  if (!m) throw unauthorized('A bearer token is required');
  if (m[2].length > MAX_TOKEN_LENGTH) throw unauthorized('Invalid token: too large');
  return { scheme: m[1].toLowerCase() as 'bearer' | 'dpop', token: m[2] };
}

function contextOf(payload: JWTPayload): Verified {
  const orgnr = payload[ORGNR_CLAIM];
  const cnf = payload.cnf as { jkt?: unknown } | undefined;
  const jkt = cnf && typeof cnf === 'object' && typeof cnf.jkt === 'string' ? cnf.jkt : undefined;
  const context: AuthContext = {
    subject: payload.sub,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : payload.sub,
    orgnr: typeof orgnr === 'string' ? orgnr : undefined,
    scopes: scopesOf(payload),
    insecure: false,
  };
  return { context, ...(jkt ? { jkt } : {}) };
}

type JwtAuthConfig = Extract<AuthConfig, { mode: 'jwt' }>;

/** Verifies a token's signature and claims (see createAuthenticator), caching what passed until `exp`. */
function jwtVerifier(
  config: JwtAuthConfig,
  cache: VerifiedTokenCache<Verified>,
  tolerance: number
): (token: string) => Promise<Verified> {
  const keys = keySource(config);
  return async (token) => {
    const cached = cache.get(token);
    if (cached) return cached;
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ALLOWED_ALGORITHMS,
      clockTolerance: tolerance,
      requiredClaims: ['exp'],
    });
    if (typeof protectedHeader.typ !== 'string' || !ACCESS_TOKEN_TYPES.includes(protectedHeader.typ)) {
      throw new joseErrors.JWTClaimValidationFailed(
        `typ ${JSON.stringify(protectedHeader.typ ?? null)} is not an access token`,
        payload,
        'typ',
        'check_failed'
      );
    }
    // A token bound some other way (mTLS `x5t#S256` …) cannot be honoured here: not a bearer token either.
    if (
      payload.cnf !== undefined &&
      !(typeof payload.cnf === 'object' && payload.cnf && typeof (payload.cnf as { jkt?: unknown }).jkt === 'string')
    ) {
      throw new joseErrors.JWTClaimValidationFailed(
        'the token is bound to a key in a way this service cannot check (cnf without jkt)',
        payload,
        'cnf',
        'check_failed'
      );
    }
    const verified = contextOf(payload);
    Object.freeze(verified.context);
    cache.set(token, verified, ((payload.exp as number) + tolerance) * 1000);
    return verified;
  };
}

/** What the client is told about a token that failed verification. */
function invalidTokenReason(err: unknown): string {
  return err instanceof joseErrors.JWTExpired
    ? 'the token has expired'
    : err instanceof joseErrors.JWTClaimValidationFailed
      ? err.claim === 'typ' || err.claim === 'cnf'
        ? err.message
        : err.claim === 'nbf'
          ? 'the token is not yet valid (nbf)'
          : `the token's ${err.claim} claim is not accepted`
      : err instanceof joseErrors.JOSEAlgNotAllowed
        ? 'the token is signed with an algorithm that is not allowed'
        : err instanceof joseErrors.JWKSNoMatchingKey
          ? 'no key of the issuer matches the token'
          : 'the token is not valid';
}

interface DpopCheck {
  config: AuthConfig;
  replay: ReplayStore;
  tolerance: number;
  logger?: Logger;
}

/** RFC 9449: the request's DPoP proof must match the token's key, method and URL, and not be replayed. */
async function checkDpopProof(
  req: Request,
  token: string,
  jkt: string,
  { config, replay, tolerance, logger }: DpopCheck
): Promise<void> {
  const base =
    config.mode === 'jwt' && config.publicUrl
      ? config.publicUrl.replace(/\/+$/, '')
      : `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  const path = req.originalUrl.split('?')[0];
  try {
    await verifyDpopProof({
      proof: req.headers.dpop,
      method: req.method,
      url: `${base}${path}`,
      accessToken: token,
      jkt,
      algorithms: ALLOWED_ALGORITHMS,
      replay,
      windowSeconds: config.mode === 'jwt' ? config.dpopWindowSeconds : undefined,
      skewSeconds: Math.min(tolerance, 30),
    });
  } catch (err) {
    if (err instanceof Error && 'status' in err) throw err;
    logger?.error({ err: (err as Error).message }, 'the DPoP replay cache could not be reached');
    throw serviceUnavailable('The DPoP replay check is unavailable; try again later');
  }
}

/** The client's request and byte budget, charged once the token's scope is checked. */
function rateBudget(
  limit: RateLimit,
  limiter: RateLimiter,
  stores: AuthStores,
  logger?: Logger
): (auth: AuthContext, res: Response) => Promise<void> {
  /**
   * Spends a request of the client's budget. Its body's bytes are charged by the body parser when it
   * is about to read or parse the body (chargeBodyWith), or now when the body was parsed before the
   * token check (bodyParsing 'app').
   */
  async function spend(auth: AuthContext, res: Response): Promise<void> {
    const client = auth.clientId ?? auth.subject ?? auth.orgnr ?? 'anonymous';
    await charge(client, res, {});
    if (!((limit.bytes ?? 0) > 0 || stores.rateLimiter)) return;
    const chargeBytes = (bytes: number) => charge(client, res, { requests: 0, bytes });
    if (typeof res.locals.bodyBytes === 'number') await chargeBytes(res.locals.bodyBytes);
    else chargeBodyWith(res, chargeBytes);
  }

  async function charge(client: string, res: Response, cost: RateCost): Promise<void> {
    let decision;
    try {
      decision = await limiter.take(client, cost);
    } catch (err) {
      // The budget protects the service; when its counter is unreachable, serve rather than refuse.
      logger?.warn({ err: (err as Error).message }, 'rate limit counter unavailable; request let through');
      return;
    }
    if (!decision.ok) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      const budget = decision.exhausted === 'bytes' ? `${limit.bytes} body bytes` : `${limit.requests} requests`;
      const retry = decision.retryAfterSeconds;
      throw tooManyRequests(
        `Client ${client} has used its ${budget} per ${limit.windowSeconds} s; retry after ${retry} s`
      );
    }
  }

  return spend;
}

/**
 * Inbound tokens as HelseID issues them: signature by a key of the issuer's JWKS (an unknown `kid`
 * makes one refetch, then a 30 s cooldown), an asymmetric algorithm, `typ` at+jwt or JWT, `iss`,
 * `aud`, `exp` (required) and `nbf` with a small clock skew. A DPoP-bound token (`cnf.jkt`) is taken
 * only as `Authorization: DPoP` with a valid proof on every request. Verified tokens are cached by
 * their text until `exp`; the proof never is. After the scope check, each client spends its budget.
 */
export function createAuthenticator(config: AuthConfig, logger?: Logger, stores: AuthStores = {}): Authenticator {
  let verify: ((token: string) => Promise<Verified>) | undefined;
  const tolerance = config.mode === 'jwt' ? (config.clockToleranceSeconds ?? 30) : 0;
  const cache = new VerifiedTokenCache<Verified>(stores.tokenCacheSize ?? 10_000);
  const prefix = stores.prefix ?? '{ipbro}';
  const replay = stores.replay ?? (stores.redis ? redisReplayStore(stores.redis, prefix) : memoryReplayStore());
  const limit = config.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter =
    stores.rateLimiter ?? (stores.redis ? redisRateLimiter(stores.redis, prefix, limit) : memoryRateLimiter(limit));
  if (config.mode === 'jwt') {
    verify = jwtVerifier(config, cache, tolerance);
  } else {
    logger?.warn(
      'AUTH_MODE=insecure-dev: requests are NOT authenticated; the organisation comes from the X-Ipbro-Org ' +
        'header. Never use this outside a demo.'
    );
  }

  async function authenticate(req: Request): Promise<AuthContext> {
    if (!verify) {
      const org = req.headers['x-ipbro-org'];
      return {
        orgnr: typeof org === 'string' ? org : undefined,
        scopes: Object.values(SCOPES),
        insecure: true,
        clientId: 'insecure-dev',
      };
    }
    const { scheme, token } = credentials(req);
    let verified: Verified;
    try {
      verified = await verify(token);
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        logger?.error(
          { err: err.message, jwksUrl: config.mode === 'jwt' ? config.jwksUrl : undefined },
          "the token issuer's keys could not be fetched"
        );
        throw serviceUnavailable("The token issuer's keys could not be fetched; try again later");
      }
      throw unauthorized(`Invalid token: ${invalidTokenReason(err)}`);
    }
    if (!verified.jkt) {
      if (scheme === 'dpop') throw unauthorized('Invalid token: the DPoP scheme needs a DPoP-bound token (cnf.jkt)');
      return verified.context;
    }
    // RFC 9449 §7.1: a bound token is presented as DPoP, never as a plain bearer token.
    if (scheme !== 'dpop')
      throw unauthorized('Invalid token: a DPoP-bound token must be sent with Authorization: DPoP and a proof');
    await checkDpopProof(req, token, verified.jkt, { config, replay, tolerance, logger });
    return { ...verified.context, dpopJkt: verified.jkt };
  }

  const spend = rateBudget(limit, limiter, stores, logger);

  return {
    config,
    authenticate,
    requireScope:
      (...scopes: string[]): RequestHandler =>
      (req: Request, res: Response, next: NextFunction) => {
        authenticate(req)
          .then(async (auth) => {
            if (!scopes.some((s) => auth.scopes.includes(s))) {
              throw forbidden(`The token lacks the scope ${scopes.join(' or ')}`);
            }
            // Organisation binding: a message-scoped token must say which organisation the client is.
            if (!auth.insecure && !auth.orgnr && !auth.scopes.includes(SCOPES.ops)) {
              throw forbidden(`The token names no organisation (${ORGNR_CLAIM})`);
            }
            if (limit.requests > 0 || (limit.bytes ?? 0) > 0 || stores.rateLimiter) await spend(auth, res);
            req.auth = auth;
            res.locals.auth = auth;
            next();
          })
          .catch(next);
      },
  };
}

/** The AuthContext requireScope put on the request (the response's locals hold it too). */
export function authOf(reqOrRes: Request | Response): AuthContext {
  const auth = ('locals' in reqOrRes ? reqOrRes.locals.auth : (reqOrRes as Request).auth) as AuthContext | undefined;
  if (!auth) throw unauthorized('Not authenticated');
  return auth;
}
