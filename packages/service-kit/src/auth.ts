import { forbidden, serviceUnavailable, unauthorized } from '@ipbro/outcome';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { readFileSync } from 'node:fs';
import { read, type ConfigSpec, type Env, ConfigError, loadConfig } from './config';
import type { Logger } from './logger';

/** HelseID's claim for the client's (parent) organisation number. */
export const ORGNR_CLAIM = 'helseid://claims/client/claims/orgnr_parent';
export const SCOPES = { write: 'ipbro:message.write', read: 'ipbro:message.read', ops: 'ipbro:ops' } as const;
/** Asymmetric algorithms only: never `none`, never HS* (a public key must not become a shared secret). */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

export interface AuthContext {
  subject?: string;
  clientId?: string;
  orgnr?: string;
  scopes: string[];
  insecure: boolean;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `requireScope` once the token is verified; read it with `authOf(req)`. */
      auth?: AuthContext;
    }
  }
}

export type AuthConfig =
  | { mode: 'jwt'; issuer: string; audience: string; jwksUrl?: string; jwksFile?: string; clockToleranceSeconds?: number }
  | { mode: 'insecure-dev' };

export interface Authenticator {
  config: AuthConfig;
  authenticate(req: Request): Promise<AuthContext>;
  /** Middleware: 401 without a valid token, 403 when it lacks every one of `scopes`. */
  requireScope(...scopes: string[]): RequestHandler;
}

/** AUTH_MODE, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or AUTH_JWKS_FILE (CONTRACT.md "Running"). */
export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const { AUTH_MODE } = loadConfig({ AUTH_MODE: read.oneOf(['jwt', 'insecure-dev'] as const, 'jwt') }, env);
  if (AUTH_MODE === 'insecure-dev') return { mode: 'insecure-dev' };
  const spec: ConfigSpec<{ AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_JWKS_URL: string | undefined; AUTH_JWKS_FILE: string | undefined }> = {
    AUTH_ISSUER: read.string(),
    AUTH_AUDIENCE: read.string(),
    AUTH_JWKS_URL: read.optional(read.url()),
    AUTH_JWKS_FILE: read.optional(read.file()),
  };
  const c = loadConfig(spec, env);
  if (!c.AUTH_JWKS_URL && !c.AUTH_JWKS_FILE) throw new ConfigError('AUTH_JWKS_URL or AUTH_JWKS_FILE is required (or AUTH_MODE=insecure-dev, said out loud)');
  return { mode: 'jwt', issuer: c.AUTH_ISSUER, audience: c.AUTH_AUDIENCE, jwksUrl: c.AUTH_JWKS_URL, jwksFile: c.AUTH_JWKS_FILE };
}

/** For composing with the other specs: `loadConfig({ ...authConfigSpec, ...redisConfigSpec })` gives `auth`. */
export const authConfigSpec: ConfigSpec<{ auth: AuthConfig }> = { auth: (_name, env) => loadAuthConfig(env) };

function scopesOf(payload: JWTPayload): string[] {
  const s = payload.scope ?? payload.scp;
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string');
  return typeof s === 'string' ? s.split(' ').filter(Boolean) : [];
}

/** The issuer's keys could not be had (unreachable, timed out, not a JWKS): our outage, not the caller's fault. */
class KeysUnavailable extends Error {}

function keySource(config: Extract<AuthConfig, { mode: 'jwt' }>): JWTVerifyGetKey {
  if (config.jwksFile) {
    const jwks = JSON.parse(readFileSync(config.jwksFile, 'utf8')) as JSONWebKeySet;
    return createLocalJWKSet(jwks);
  }
  // jose caches the JWKS and refetches it once when a token names an unknown `kid` (key rotation).
  const remote = createRemoteJWKSet(new URL(config.jwksUrl as string), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const fetchFailed = !(err instanceof joseErrors.JOSEError) || err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || err.code === 'ERR_JOSE_GENERIC';
      if (fetchFailed) throw new KeysUnavailable((err as Error).message);
      throw err;
    }
  };
}

export function createAuthenticator(config: AuthConfig, logger?: Logger): Authenticator {
  let verify: ((token: string) => Promise<JWTPayload>) | undefined;
  if (config.mode === 'jwt') {
    const keys = keySource(config);
    verify = async (token) =>
      (
        await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: ALLOWED_ALGORITHMS,
          clockTolerance: config.clockToleranceSeconds ?? 30,
          typ: undefined,
        })
      ).payload;
  } else {
    logger?.warn('AUTH_MODE=insecure-dev: requests are NOT authenticated; the organisation comes from the X-Ipbro-Org header. Never use this outside a demo.');
  }

  async function authenticate(req: Request): Promise<AuthContext> {
    if (!verify) {
      const org = req.headers['x-ipbro-org'];
      return { orgnr: typeof org === 'string' ? org : undefined, scopes: Object.values(SCOPES), insecure: true, clientId: 'insecure-dev' };
    }
    const header = req.headers.authorization;
    if (!header || !/^Bearer\s+\S+$/i.test(header)) throw unauthorized('A bearer token is required');
    const token = header.replace(/^Bearer\s+/i, '');
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        logger?.error({ err: err.message, jwksUrl: config.mode === 'jwt' ? config.jwksUrl : undefined }, 'the token issuer\'s keys could not be fetched');
        throw serviceUnavailable('The token issuer\'s keys could not be fetched; try again later');
      }
      const reason =
        err instanceof joseErrors.JWTExpired ? 'the token has expired'
        : err instanceof joseErrors.JWTClaimValidationFailed ? `the token's ${err.claim} claim is not accepted`
        : err instanceof joseErrors.JOSEAlgNotAllowed ? 'the token is signed with an algorithm that is not allowed'
        : err instanceof joseErrors.JWKSNoMatchingKey ? 'no key of the issuer matches the token'
        : 'the token is not valid';
      throw unauthorized(`Invalid token: ${reason}`);
    }
    const typ = (token.split('.')[0] && JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')).typ) as string | undefined;
    if (typ !== undefined && !['at+jwt', 'JWT', 'application/at+jwt'].includes(typ)) throw unauthorized(`Invalid token: typ ${JSON.stringify(typ)} is not an access token`);
    const orgnr = payload[ORGNR_CLAIM];
    return {
      subject: payload.sub,
      clientId: typeof payload.client_id === 'string' ? payload.client_id : payload.sub,
      orgnr: typeof orgnr === 'string' ? orgnr : undefined,
      scopes: scopesOf(payload),
      insecure: false,
    };
  }

  return {
    config,
    authenticate,
    requireScope: (...scopes: string[]): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
      authenticate(req)
        .then((auth) => {
          if (!scopes.some((s) => auth.scopes.includes(s))) {
            throw forbidden(`The token lacks the scope ${scopes.join(' or ')}`);
          }
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
