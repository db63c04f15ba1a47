import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import express from 'express';
import { Redis } from 'ioredis';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '@ipbro/service-kit';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// Outbound tokens across real processes: Ålesund's koordinerende enhet requires a token (directory
// `requiresToken`); the router gets one from the HelseID-like issuer with private_key_jwt, keeps it
// for the next deliveries, and the recipient verifies it against the issuer's JWKS.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'ipbro-outbound-'));
let issuer: TokenIssuer;
let issuerServer: Server;
let recipient: Server;
let gateway: Service;
let router: Service;
let redis: Redis;
const tokenRequests: string[] = [];
const received: { id: string; clientId?: string; status: number }[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const routerKey = await generateKeyPair('RS256', { extractable: true });
  writeFileSync(join(work, 'router-key.pem'), await exportPKCS8(routerKey.privateKey), { mode: 0o600 });
  issuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: [
      {
        clientId: 'ipbro-router',
        orgnr: '997005562',
        scopes: ['kommune:ke.write'],
        publicJwk: { ...(await exportJWK(routerKey.publicKey)), alg: 'RS256', kid: 'router-1' },
      },
    ],
  });
  // Count what reaches the token endpoint.
  const front = express();
  front.use((req, _res, next) => {
    if (req.path === '/token') tokenRequests.push(String(req.headers['content-type']));
    next();
  });
  front.use(issuer.app);
  await new Promise<void>((resolve) => {
    issuerServer = front.listen(issuerPort, '127.0.0.1', () => resolve());
  });
  // The recipient: verifies the bearer token as any HelseID-protected API would, then answers with a receipt.
  const auth = createAuthenticator({
    mode: 'jwt',
    issuer: issuerUrl,
    audience: 'ipbro',
    jwksUrl: `${issuerUrl}/.well-known/jwks.json`,
  });
  recipient = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', async () => {
      const id = JSON.parse(text).entry[0].resource.id as string;
      try {
        const who = await auth.authenticate(req as never);
        received.push({ id, clientId: who.clientId, status: 200 });
        res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'message',
            entry: [
              {
                resource: {
                  resourceType: 'MessageHeader',
                  id: randomUUID(),
                  eventCoding: { code: 'meldeplikt' },
                  response: { identifier: id, code: 'ok' },
                },
              },
            ],
          })
        );
      } catch (err) {
        received.push({ id, status: 401 });
        res.writeHead((err as { status?: number }).status ?? 401).end();
      }
    });
  });
  await new Promise<void>((r) => recipient.listen(0, '127.0.0.1', () => r()));
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  const alesund = directory.kommuner.find((k: { kommunenummer: string }) => k.kommunenummer === '1508');
  alesund.koordinerendeEnhet.endpoint = `http://127.0.0.1:${(recipient.address() as { port: number }).port}/ke`;
  alesund.koordinerendeEnhet.requiresToken = true;
  writeFileSync(join(work, 'directory.json'), JSON.stringify(directory));
  writeFileSync(join(work, 'jwks.json'), JSON.stringify(issuer.jwks));
  gateway = await startService('gateway', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: join(work, 'jwks.json'),
  });
  router = await startService('meldeplikt-router', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DIRECTORY_FILE: join(work, 'directory.json'),
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 500,
    DELIVERY_TOKEN_URL: `${issuerUrl}/token`,
    DELIVERY_CLIENT_ID: 'ipbro-router',
    DELIVERY_CLIENT_KEY_FILE: join(work, 'router-key.pem'),
    DELIVERY_CLIENT_KEY_ID: 'router-1',
    DELIVERY_TOKEN_SCOPE: 'kommune:ke.write',
  });
}, 60000);

afterAll(async () => {
  await stopService(router);
  await stopService(gateway);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await new Promise<void>((r) => recipient.close(() => r()));
  await removeTestData(redis, prefix);
});

test(
  'the router authenticates with private_key_jwt, the recipient accepts its token, and one token ' +
    'serves several deliveries',
  async () => {
    const hospital = await issuer.mint({
      orgnr: '997005562',
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: 'hmr-dips',
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = JSON.parse(MELDEPLIKT);
      b.entry[0].resource.id = randomUUID();
      ids.push(b.entry[0].resource.id);
      const res = await fetch(`${gateway.url}/fhir/$process-message`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${hospital}` },
        body: JSON.stringify(b),
      });
      expect(res.status).toBe(202);
      // One after the other, so the later ones find the token the first one fetched.
      await eventually(
        async () => {
          const s = (await (
            await fetch(`${gateway.url}/messages/${ids[i]}`, { headers: { Authorization: `Bearer ${hospital}` } })
          ).json()) as { state: string };
          return s.state === 'acknowledged' ? s : undefined;
        },
        15000,
        `message ${i} acknowledged`
      );
    }
    expect(received.map((r) => [r.id, r.status, r.clientId])).toEqual(ids.map((id) => [id, 200, 'ipbro-router']));
    expect(tokenRequests).toEqual(['application/x-www-form-urlencoded']);
  },
  60000
);
