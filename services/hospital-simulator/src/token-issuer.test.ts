import { createAuthenticator } from '@ipbro/service-kit';
import type { Server } from 'node:http';
import { createTokenIssuer } from './token-issuer';

let server: Server;
let base: string;

test('tokens from /token verify against /.well-known/jwks.json as HelseID tokens would', async () => {
  const issuer = await createTokenIssuer({ issuer: 'http://issuer.test', audience: 'ipbro', clients: [{ clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write'] }] });
  await new Promise<void>((resolve) => {
    server = issuer.app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const res = await fetch(`${base}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=hmr-dips' });
    expect(res.status).toBe(200);
    const { access_token, token_type } = (await res.json()) as { access_token: string; token_type: string };
    expect(token_type).toBe('Bearer');
    const auth = createAuthenticator({ mode: 'jwt', issuer: 'http://issuer.test', audience: 'ipbro', jwksUrl: `${base}/.well-known/jwks.json` });
    const ctx = await auth.authenticate({ headers: { authorization: `Bearer ${access_token}` } } as never);
    expect(ctx).toMatchObject({ clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write'] });
    const unknown = await fetch(`${base}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=stranger' });
    expect(unknown.status).toBe(400);
    const expired = await issuer.mint({ orgnr: '997005562', scope: 'ipbro:message.write', expiresInSeconds: -120 });
    await expect(auth.authenticate({ headers: { authorization: `Bearer ${expired}` } } as never)).rejects.toMatchObject({ status: 401 });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
