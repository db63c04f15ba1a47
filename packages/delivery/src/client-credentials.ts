/**
 * Bearer tokens for recipients that require one (directory `requiresToken`): OAuth2 client
 * credentials at a token endpoint, kept until shortly before they expire so that each delivery does
 * not cost a token request. (HelseID proper wants private_key_jwt and DPoP; the demo's local
 * issuer takes client_id alone, and a client secret is sent when configured.)
 */
export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  scope?: string;
  /** Renew this long before `expires_in` runs out (default 30 s). */
  marginMs?: number;
  timeoutMs?: number;
}

export type TokenSource = () => Promise<string>;

export function clientCredentialsTokenSource(options: ClientCredentialsOptions): TokenSource {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId });
    if (options.clientSecret) form.set('client_secret', options.clientSecret);
    if (options.scope) form.set('scope', options.scope);
    const res = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new Error(`token endpoint ${options.tokenUrl} answered ${res.status}${body.error ? ` (${String(body.error)})` : ''}`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    cached = { token: body.access_token, until: Date.now() + Math.max(0, lifetimeMs - (options.marginMs ?? 30_000)) };
    return body.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token;
    // Concurrent deliveries share one token request.
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
