import { importPKCS8, SignJWT, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';

/**
 * Bearer tokens for recipients that require one (directory `requiresToken`): OAuth2 client
 * credentials at a token endpoint, kept until shortly before they expire so that each delivery does
 * not cost a token request. The client authenticates with `private_key_jwt` (RFC 7523: a signed,
 * short-lived client assertion with a unique `jti`, as HelseID requires) when a private key is
 * configured, else with a client secret, else by client_id alone (the demo's local issuer).
 */
export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** private_key_jwt: the client's private key (a KeyLike, or PKCS#8 PEM text). */
  privateKey?: KeyLike | string;
  /** The `kid` the token endpoint knows the key by. */
  keyId?: string;
  /** Signing algorithm of the assertion (default RS256). */
  algorithm?: string;
  /** `aud` of the assertion (default the token URL; HelseID takes its issuer URL too). */
  assertionAudience?: string;
  /** Lifetime of a client assertion (default 60 s: used once, at once). */
  assertionLifetimeSeconds?: number;
  scope?: string;
  /** Renew this long before `expires_in` runs out (default 30 s). */
  marginMs?: number;
  timeoutMs?: number;
}

export type TokenSource = () => Promise<string>;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client assertion for one token request: iss = sub = client_id, aud the endpoint, a fresh jti, exp in a minute. */
export async function signClientAssertion(
  options: Pick<
    ClientCredentialsOptions,
    'tokenUrl' | 'clientId' | 'keyId' | 'algorithm' | 'assertionAudience' | 'assertionLifetimeSeconds'
  > & { privateKey: KeyLike }
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg: options.algorithm ?? 'RS256',
      typ: 'client-authentication+jwt',
      ...(options.keyId ? { kid: options.keyId } : {}),
    })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.assertionAudience ?? options.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (options.assertionLifetimeSeconds ?? 60))
    .sign(options.privateKey);
}

export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  let cached: { token: string; until: number; expires: number } | undefined;
  let pending: Promise<string> | undefined;
  let key: Promise<KeyLike> | undefined;
  const signingKey = (): Promise<KeyLike> =>
    (key ??=
      typeof options.privateKey === 'string'
        ? importPKCS8(options.privateKey, options.algorithm ?? 'RS256')
        : Promise.resolve(options.privateKey as KeyLike));
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId });
    if (options.privateKey) {
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', await signClientAssertion({ ...options, privateKey: await signingKey() }));
    } else if (options.clientSecret) form.set('client_secret', options.clientSecret);
    if (options.scope) form.set('scope', options.scope);
    const res = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (!res.ok || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : JSON.stringify(body.error);
      throw new Error(`token endpoint ${options.tokenUrl} answered ${res.status}${body.error ? ` (${error})` : ''}`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    const now = Date.now();
    cached = {
      token: body.access_token,
      until: now + Math.max(0, lifetimeMs - (options.marginMs ?? 30_000)),
      expires: now + lifetimeMs,
    };
    return body.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token;
    // Concurrent deliveries share one token request.
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    try {
      return await pending;
    } catch (err) {
      // Renewal failed inside the margin: the old token is still good until it really expires.
      if (cached && Date.now() < cached.expires - 5_000) return cached.token;
      throw err;
    }
  };
}
