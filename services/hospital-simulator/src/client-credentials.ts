/**
 * A client_credentials token from an OAuth2 token endpoint, kept until shortly before it expires,
 * so a sender does not ask the issuer on every message.
 */
export function clientCredentials(tokenUrl: string, clientId: string, options: { scope?: string; marginSeconds?: number } = {}): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, ...(options.scope ? { scope: options.scope } : {}) });
    const res = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) throw new Error(`Token request for ${clientId} failed: HTTP ${res.status} ${body.error ?? ''}`.trim());
    cached = { token: body.access_token, until: Date.now() + ((body.expires_in ?? 60) - (options.marginSeconds ?? 30)) * 1000 };
    return body.access_token;
  };
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token;
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
