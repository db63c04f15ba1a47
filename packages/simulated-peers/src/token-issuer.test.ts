import { createAuthenticator } from '@ipbro/service-kit';
import type { Server } from 'node:http';
import { createTokenIssuer } from './token-issuer';

let server: Server;
let base: string;

test('tokens from /token verify against /.well-known/jwks.json as HelseID tokens would', async () => {
  const issuer = await createTokenIssuer({
    issuer: 'http://issuer.test',
    audience: 'ipbro',
    clients: [{ clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write'] }],
  });
  await new Promise<void>((resolve) => {
    server = issuer.app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=hmr-dips',
    });
    expect(res.status).toBe(200);
    const { access_token, token_type } = (await res.json()) as { access_token: string; token_type: string };
    expect(token_type).toBe('Bearer');
    const auth = createAuthenticator({
      mode: 'jwt',
      issuer: 'http://issuer.test',
      audience: 'ipbro',
      jwksUrl: `${base}/.well-known/jwks.json`,
    });
    const ctx = await auth.authenticate({ headers: { authorization: `Bearer ${access_token}` } } as never);
    expect(ctx).toMatchObject({ clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write'] });
    const unknown = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=stranger',
    });
    expect(unknown.status).toBe(400);
    const expired = await issuer.mint({ orgnr: '997005562', scope: 'ipbro:message.write', expiresInSeconds: -120 });
    await expect(auth.authenticate({ headers: { authorization: `Bearer ${expired}` } } as never)).rejects.toMatchObject(
      { status: 401 }
    );
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a key file makes the issuer keep its key across restarts', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const keyFile = join(mkdtempSync(join(tmpdir(), 'ipbro-issuer-')), 'key.pem');
  const first = await createTokenIssuer({ issuer: 'http://issuer.test', audience: 'ipbro', clients: [], keyFile });
  expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
  const second = await createTokenIssuer({ issuer: 'http://issuer.test', audience: 'ipbro', clients: [], keyFile });
  expect(second.kid).toBe(first.kid);
  expect(second.jwks).toEqual(first.jwks);
  expect(JSON.stringify(first.jwks)).not.toMatch(/"d"|"p"|"q"/); // only the public half is published
  const other = await createTokenIssuer({ issuer: 'http://issuer.test', audience: 'ipbro', clients: [] });
  expect(other.kid).not.toBe(first.kid);
});

test('/token: wrong grant type, scopes narrowed on request, scopes the client lacks refused; wrong audience does not verify', async () => {
  const issuer = await createTokenIssuer({
    issuer: 'http://issuer.test',
    audience: 'ipbro',
    clients: [{ clientId: 'ke', orgnr: '942953119', scopes: ['ipbro:message.write', 'ipbro:message.read'] }],
  });
  const s = await new Promise<Server>((resolve) => {
    const x = issuer.app.listen(0, '127.0.0.1', () => resolve(x));
  });
  const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  const ask = (form: string) =>
    fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  try {
    const wrongGrant = await ask('grant_type=password&client_id=ke');
    expect(wrongGrant.status).toBe(400);
    expect(await wrongGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const narrowed = (await (
      await ask('grant_type=client_credentials&client_id=ke&scope=ipbro%3Amessage.read')
    ).json()) as { access_token: string; scope: string };
    expect(narrowed.scope).toBe('ipbro:message.read');
    const auth = createAuthenticator({
      mode: 'jwt',
      issuer: 'http://issuer.test',
      audience: 'ipbro',
      jwksUrl: `${url}/.well-known/jwks.json`,
    });
    expect(
      await auth.authenticate({ headers: { authorization: `Bearer ${narrowed.access_token}` } } as never)
    ).toMatchObject({ orgnr: '942953119', scopes: ['ipbro:message.read'] });
    const tooMuch = await ask('grant_type=client_credentials&client_id=ke&scope=ipbro%3Aops');
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.json()).toMatchObject({ error: 'invalid_scope' });
    const elsewhere = await issuer.mint({ orgnr: '942953119', scope: 'ipbro:message.write', audience: 'another-api' });
    await expect(
      auth.authenticate({ headers: { authorization: `Bearer ${elsewhere}` } } as never)
    ).rejects.toMatchObject({ status: 401 });
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});

test('a client with a registered key gets tokens only with private_key_jwt; an assertion is good once', async () => {
  const { clientCredentialsTokenSource, signClientAssertion } = await import('@ipbro/client-credentials');
  const { exportJWK, generateKeyPair } = await import('jose');
  const clientKey = await generateKeyPair('RS256');
  const issuer = await createTokenIssuer({
    issuer: 'http://issuer.test',
    audience: 'ipbro',
    clients: [
      {
        clientId: 'ipbro-router',
        orgnr: '997005562',
        scopes: ['kommune:ke.write'],
        publicJwk: { ...(await exportJWK(clientKey.publicKey)), alg: 'RS256' },
      },
    ],
  });
  const s: Server = await new Promise((resolve) => {
    const x = issuer.app.listen(0, '127.0.0.1', () => resolve(x));
  });
  const tokenUrl = `http://127.0.0.1:${(s.address() as { port: number }).port}/token`;
  const post = (form: Record<string, string>) =>
    fetch(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  try {
    const token = await clientCredentialsTokenSource({
      tokenUrl,
      clientId: 'ipbro-router',
      privateKey: clientKey.privateKey,
    })();
    const auth = createAuthenticator({
      mode: 'jwt',
      issuer: 'http://issuer.test',
      audience: 'ipbro',
      jwksUrl: tokenUrl.replace('/token', '/.well-known/jwks.json'),
    });
    expect(await auth.authenticate({ headers: { authorization: `Bearer ${token}` } } as never)).toMatchObject({
      clientId: 'ipbro-router',
      scopes: ['kommune:ke.write'],
    });

    const base = {
      grant_type: 'client_credentials',
      client_id: 'ipbro-router',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    };
    const assertion = await signClientAssertion({
      tokenUrl,
      clientId: 'ipbro-router',
      privateKey: clientKey.privateKey,
    });
    expect((await post({ ...base, client_assertion: assertion })).status).toBe(200);
    const replay = await post({ ...base, client_assertion: assertion });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/used before/),
    });
    expect((await post({ grant_type: 'client_credentials', client_id: 'ipbro-router' })).status).toBe(401);
    const stranger = await generateKeyPair('RS256');
    expect(
      (
        await post({
          ...base,
          client_assertion: await signClientAssertion({
            tokenUrl,
            clientId: 'ipbro-router',
            privateKey: stranger.privateKey,
          }),
        })
      ).status
    ).toBe(401);
    expect(
      (
        await post({
          ...base,
          client_assertion: await signClientAssertion({
            tokenUrl: 'http://elsewhere.test/token',
            clientId: 'ipbro-router',
            privateKey: clientKey.privateKey,
          }),
        })
      ).status
    ).toBe(401);
    expect(
      (
        await post({
          ...base,
          client_assertion: await signClientAssertion({
            tokenUrl,
            clientId: 'ipbro-router',
            privateKey: clientKey.privateKey,
            assertionLifetimeSeconds: 3600,
          }),
        })
      ).status
    ).toBe(401);
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});
