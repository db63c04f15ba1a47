import { patientHasher } from '@ipbro/audit';
import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// The audit trail of the example meldeplikt after its whole flow, across real processes: hospital
// token → gateway → router → Ålesund's simulated koordinerende enhet → its receipt back through the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const ID = JSON.parse(MELDEPLIKT).entry[0].resource.id as string;
/** The example patient's fødselsnummer, read from the fixture rather than written here. */
const FNR = (
  JSON.parse(MELDEPLIKT).entry as { resource: { resourceType: string; identifier?: { value: string }[] } }[]
).find((e) => e.resource.resourceType === 'Patient')!.resource.identifier![0].value;
const AUDIT_KEY = randomBytes(32);
const work = mkdtempSync(join(tmpdir(), 'ipbro-audit-'));
let issuer: TokenIssuer;
let issuerServer: Server;
let gateway: Service;
let router: Service;
let kommune: Service;
let redis: Redis;

type Record = {
  event: string;
  outcome: string;
  source: string;
  who: { clientId?: string; orgnr?: string };
  messageId: string;
  patient?: string;
  recipient?: { orgnr?: string };
  detail?: string;
};

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const orgs = ['997005562', '942953119', '944305823'];
  issuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: orgs.map((o) => ({
      clientId: `kommune-${o}`,
      orgnr: o,
      scopes: ['ipbro:message.write', 'ipbro:message.read'],
    })),
  });
  await new Promise<void>((resolve) => {
    issuerServer = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve());
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  const shared = { REDIS_URL, QUEUE_PREFIX: prefix, AUDIT_HMAC_KEY: AUDIT_KEY.toString('base64') };
  gateway = await startService('gateway', {
    ...shared,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
  });
  kommune = await startService('kommune-simulator', {
    SIM_BEHAVIOUR: 'later',
    SIM_LATER_MS: 200,
    SIM_GATEWAY_URL: gateway.url,
    SIM_TOKEN_URL: `${issuerUrl}/token`,
  });
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${kommune.port}`);
  writeFileSync(join(work, 'directory.json'), JSON.stringify(directory));
  router = await startService('meldeplikt-router', {
    ...shared,
    DIRECTORY_FILE: join(work, 'directory.json'),
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 500,
  });
}, 60000);

afterAll(async () => {
  await stopService(router);
  await stopService(kommune);
  await stopService(gateway);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await removeTestData(redis, prefix);
});

test(
  "the example meldeplikt's trail lists its receipt, its delivery and the kommune's receipt, " +
    'with who and the patient as a keyed hash only',
  async () => {
    const hospital = await issuer.mint({
      orgnr: '997005562',
      scope: 'ipbro:message.write ipbro:message.read',
      clientId: 'hmr-dips',
    });
    const ops = await issuer.mint({ scope: 'ipbro:ops', clientId: 'ipbro-ops' });
    const sent = await fetch(`${gateway.url}/fhir/$process-message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${hospital}` },
      body: MELDEPLIKT,
    });
    expect(sent.status).toBe(202);
    await eventually(
      async () => {
        const s = (await (
          await fetch(`${gateway.url}/messages/${ID}`, { headers: { Authorization: `Bearer ${hospital}` } })
        ).json()) as { state: string };
        return s.state === 'acknowledged' ? s : undefined;
      },
      20000,
      'acknowledged'
    );

    // The hospital may read its message's status, not its audit trail.
    expect(
      (await fetch(`${gateway.url}/messages/${ID}/audit`, { headers: { Authorization: `Bearer ${hospital}` } })).status
    ).toBe(403);
    const res = await fetch(`${gateway.url}/messages/${ID}/audit`, { headers: { Authorization: `Bearer ${ops}` } });
    expect(res.status).toBe(200);
    const { messageId, records } = (await res.json()) as { messageId: string; records: Record[] };
    expect(messageId).toBe(ID);

    // Receipt of the message, the delivery (attempt, then its outcome), then Ålesund's receipt, in that order.
    // The receipt IP-bro pushes to the sender's source.endpoint (the example's, which nobody answers) may
    // be tried meanwhile, depending on timing: each try is the router's, after Ålesund's receipt.
    const pushed = records.filter((r) => r.event === 'receipt.sent');
    for (const r of pushed) {
      expect(r).toMatchObject({
        source: 'meldeplikt-router',
        detail: expect.stringContaining('receipt acknowledged to '),
      });
    }
    const flow = records.filter((r) => r.event !== 'status.read' && r.event !== 'receipt.sent');
    expect(flow.map((r) => [r.event, r.source])).toEqual([
      ['message.received', 'gateway'],
      ['delivery.attempt', 'meldeplikt-router'],
      ['delivery.outcome', 'meldeplikt-router'],
      ['receipt.received', 'gateway'],
    ]);
    const [received, attempt, outcome, receipt] = flow;
    expect(received).toMatchObject({
      outcome: 'success',
      who: { clientId: 'hmr-dips', orgnr: '997005562' },
      messageId: ID,
      detail: 'queued',
    });
    expect(received.patient).toBe(patientHasher(AUDIT_KEY)(FNR));
    expect(attempt).toMatchObject({ outcome: 'success', recipient: { orgnr: '942953119' } });
    expect(outcome).toMatchObject({
      outcome: 'success',
      recipient: { orgnr: '942953119' },
      detail: expect.stringMatching(/^delivered \(attempt 1\)/),
    });
    expect(receipt).toMatchObject({
      outcome: 'success',
      who: { clientId: 'kommune-942953119', orgnr: '942953119' },
      detail: 'receipt ok (message acknowledged)',
    });
    // Every status poll above is in the trail too, with who asked.
    expect(records.filter((r) => r.event === 'status.read').every((r) => r.who.orgnr === '997005562')).toBe(true);
    expect(records.some((r) => r.event === 'status.read')).toBe(true);

    // No plain fødselsnummer: not in the answer, not in the Redis stream, not in the services' audit log lines.
    expect(JSON.stringify(records)).not.toContain(FNR);
    const stream = await redis.xrange(`${prefix}:audit`, '-', '+');
    expect(stream.length).toBeGreaterThanOrEqual(records.length);
    expect(JSON.stringify(stream)).not.toContain(FNR);
    const auditLines = [...gateway.output, ...router.output]
      .join('')
      .split('\n')
      .filter((l) => l.includes('"audit"'));
    expect(auditLines.length).toBeGreaterThanOrEqual(4);
    expect(auditLines.join('\n')).not.toContain(FNR);
    // The ops read is recorded as well.
    const after = (await (
      await fetch(`${gateway.url}/messages/${ID}/audit`, { headers: { Authorization: `Bearer ${ops}` } })
    ).json()) as { records: Record[] };
    expect(after.records.filter((r) => r.event === 'audit.read')).toEqual([
      expect.objectContaining({ who: { clientId: 'ipbro-ops' }, outcome: 'success' }),
    ]);
  },
  45000
);
