import { ORGNR_CLAIM } from '@ipbro/service-kit';
import express, { type Express, type RequestHandler } from 'express';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JWK,
  type KeyLike,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface DemoClient {
  clientId: string;
  orgnr: string;
  scopes: string[];
  /**
   * The client's public key (with `alg`): the client must then authenticate with private_key_jwt,
   * a client assertion signed by it, as HelseID requires; client_id alone is refused.
   */
  publicJwk?: JWK;
}

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface MintClaims {
  orgnr?: string;
  scope?: string;
  clientId?: string;
  /** Negative for a token that has already expired. */
  expiresInSeconds?: number;
  audience?: string;
  issuer?: string;
  /** Any further claims, e.g. another orgnr claim or a `nbf` in the future. */
  extra?: Record<string, unknown>;
}

export interface TokenIssuerOptions {
  issuer: string;
  audience: string;
  clients: DemoClient[];
  /** Lifetime of tokens from /token (default 300 s: short, as HelseID's). */
  lifetimeSeconds?: number;
  /**
   * A PKCS#8 PEM file with the RS256 private key. Loaded when it exists; otherwise a new key is
   * made and written there, so a restarted issuer signs with the key services already trust.
   * Without it the key lives only as long as the process.
   */
  keyFile?: string;
}

export interface TokenIssuer {
  app: Express;
  jwks: { keys: JWK[] };
  /** The key id in every token's header (the public key's RFC 7638 thumbprint). */
  kid: string;
  /** A token with any claims (tests make expired, foreign and scope-less ones with it). */
  mint(claims: MintClaims): Promise<string>;
}

async function signingKey(keyFile: string | undefined): Promise<KeyLike> {
  if (keyFile && existsSync(keyFile)) return importPKCS8(readFileSync(keyFile, 'utf8'), 'RS256', { extractable: true });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  if (keyFile) writeFileSync(keyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  return privateKey;
}

/**
 * A local stand-in for HelseID: an RS256 key (made at start or loaded from `keyFile`),
 * `GET /.well-known/jwks.json`, and `POST /token` (OAuth2 client_credentials, form-encoded) for the
 * configured clients. Tokens carry `iss`, `aud`, a short `exp`, `scope` (space-separated),
 * `client_id` and the organisation in helseid://claims/client/claims/orgnr_parent, as HelseID's do.
 */
export async function createTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const privateKey = await signingKey(options.keyFile);
  // The public half, as a JWK without the private members.
  const { kty, n, e } = await exportJWK(privateKey);
  const publicJwk: JWK = { kty, n, e };
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };
  const lifetime = options.lifetimeSeconds ?? 300;

  const mint: TokenIssuer['mint'] = async (c) =>
    new SignJWT({
      scope: c.scope ?? '',
      client_id: c.clientId ?? 'demo',
      ...(c.orgnr ? { [ORGNR_CLAIM]: c.orgnr } : {}),
      ...(c.extra ?? {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer(c.issuer ?? options.issuer)
      .setAudience(c.audience ?? options.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + (c.expiresInSeconds ?? lifetime))
      .sign(privateKey);

  const checkAssertion = assertionChecker(options.issuer);

  const app = express();
  app.disable('x-powered-by');
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(jwks);
  });
  app.post(
    '/token',
    express.urlencoded({ extended: false, limit: '16kb' }),
    tokenHandler(options, checkAssertion, mint, lifetime)
  );
  return { app, jwks, kid, mint };
}

type AssertionCheck = (
  client: DemoClient,
  assertion: string | undefined,
  tokenEndpoint: string
) => Promise<string | undefined>;

/** RFC 7523 §3: iss = sub = client_id, aud this issuer or its token endpoint, exp soon, jti never seen. */
function assertionChecker(issuer: string): AssertionCheck {
  // Assertion ids seen, until their exp: an assertion is good for one token request only.
  const usedAssertions = new Map<string, number>();
  return async (
    client: DemoClient,
    assertion: string | undefined,
    tokenEndpoint: string
  ): Promise<string | undefined> => {
    if (!client.publicJwk) return undefined;
    if (!assertion) return 'this client must authenticate with private_key_jwt (client_assertion)';
    try {
      const key = await importJWK(client.publicJwk, client.publicJwk.alg ?? 'RS256');
      const { payload } = await jwtVerify(assertion, key, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: [issuer, tokenEndpoint],
        requiredClaims: ['exp', 'jti'],
      });
      const now = Math.floor(Date.now() / 1000);
      if ((payload.exp as number) - now > 300) return 'the client assertion lives too long (over 300 s)';
      for (const [jti, exp] of usedAssertions) if (exp < now) usedAssertions.delete(jti);
      const id = `${client.clientId}:${String(payload.jti)}`;
      if (usedAssertions.has(id)) return 'the client assertion was used before (jti)';
      usedAssertions.set(id, payload.exp as number);
      return undefined;
    } catch (err) {
      return `the client assertion is not valid: ${(err as Error).message}`;
    }
  };
}

/** POST /token: the client_credentials grant, answered as RFC 6749 §5 says. */
function tokenHandler(
  options: TokenIssuerOptions,
  checkAssertion: AssertionCheck,
  mint: TokenIssuer['mint'],
  lifetime: number
): RequestHandler {
  return async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, string | undefined>;
      // RFC 6749 §5.2 error answers.
      if (body.grant_type !== 'client_credentials') {
        res
          .status(400)
          .json({ error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported' });
        return;
      }
      const client = options.clients.find((c) => c.clientId === body.client_id);
      if (!client) {
        res.status(400).json({
          error: 'invalid_client',
          error_description: `Unknown client_id ${JSON.stringify(body.client_id ?? null)}`,
        });
        return;
      }
      if (body.client_assertion_type !== undefined && body.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
        res.status(400).json({
          error: 'invalid_client',
          error_description: `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`,
        });
        return;
      }
      const refused = await checkAssertion(
        client,
        body.client_assertion,
        `${req.protocol}://${req.headers.host}/token`
      );
      if (refused) {
        res.status(401).json({ error: 'invalid_client', error_description: refused });
        return;
      }
      // A requested scope narrows the client's; one it does not have is refused.
      const asked = body.scope?.split(' ').filter(Boolean);
      const unknown = asked?.filter((s) => !client.scopes.includes(s)) ?? [];
      if (unknown.length) {
        res.status(400).json({
          error: 'invalid_scope',
          error_description: `Client ${client.clientId} may not have ${unknown.join(' ')}`,
        });
        return;
      }
      const scope = (asked ?? client.scopes).join(' ');
      res.set('Cache-Control', 'no-store');
      res.json({
        access_token: await mint({ orgnr: client.orgnr, scope, clientId: client.clientId }),
        token_type: 'Bearer',
        expires_in: lifetime,
        scope,
      });
    } catch (err) {
      next(err);
    }
  };
}
