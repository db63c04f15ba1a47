import { ORGNR_CLAIM } from '@ipbro/service-kit';
import express, { type Express } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';

export interface DemoClient {
  clientId: string;
  orgnr: string;
  scopes: string[];
}

export interface TokenIssuer {
  app: Express;
  jwks: { keys: JWK[] };
  /** A token with any claims (tests make expired, foreign and scope-less ones with it). */
  mint(claims: { orgnr?: string; scope?: string; clientId?: string; expiresInSeconds?: number; audience?: string; issuer?: string; extra?: Record<string, unknown> }): Promise<string>;
}

/**
 * A local stand-in for HelseID: an RS256 key made at start, `GET /.well-known/jwks.json`, and
 * `POST /token` (client_credentials) for the demo's known clients. Tokens carry `scope`, `client_id`
 * and the organisation in helseid://claims/client/claims/orgnr_parent, as HelseID's do.
 */
export async function createTokenIssuer(options: { issuer: string; audience: string; clients: DemoClient[]; lifetimeSeconds?: number }): Promise<TokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const key: KeyLike = privateKey;
  const mint: TokenIssuer['mint'] = async (c) =>
    new SignJWT({ scope: c.scope ?? '', client_id: c.clientId ?? 'demo', ...(c.orgnr ? { [ORGNR_CLAIM]: c.orgnr } : {}), ...(c.extra ?? {}) })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer(c.issuer ?? options.issuer)
      .setAudience(c.audience ?? options.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + (c.expiresInSeconds ?? options.lifetimeSeconds ?? 300))
      .sign(key);
  const app = express();
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(jwks);
  });
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const client = options.clients.find((c) => c.clientId === body.client_id);
    if (body.grant_type !== 'client_credentials' || !client) {
      res.status(400).json({ error: body.grant_type !== 'client_credentials' ? 'unsupported_grant_type' : 'invalid_client' });
      return;
    }
    const lifetime = options.lifetimeSeconds ?? 300;
    res.json({ access_token: await mint({ orgnr: client.orgnr, scope: client.scopes.join(' '), clientId: client.clientId }), token_type: 'Bearer', expires_in: lifetime });
  });
  return { app, jwks, mint };
}
