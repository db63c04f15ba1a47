import { planCopy } from '@ipbro/document-delivery/src/test-support/document-fixtures';
import { createTokenIssuer, receiptFor, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import type { Bundle, MessageHeader, OperationOutcome } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// Receipts pushed to the sender's MessageHeader.source.endpoint, across real processes: gateway,
// meldeplikt-router (which runs the receipt worker), a kommune of the test's own that answers ok or
// 400, and a sender endpoint of the test's own that keeps every receipt and can be down.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-rcpt-${randomUUID().slice(0, 8)}}`;
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'ipbro-rcpt-'));
const REJECT = 'reject-';
let issuerServer: Server;
let gateway: Service;
let router: Service;
let courier: Service;
let alesundToken: string;
let redis: Redis;
let token: string;
let kommune: Server;
let sender: { server: Server; port: number; receipts: Bundle[]; up: boolean };
/** The path each receipt was posted to, by the receipt's MessageHeader.id. */
const postedTo = new Map<string, string>();

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const readBody = (req: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => resolve(s));
  });

/** The kommune: 400 with an OperationOutcome for ids starting REJECT, else 200 with a receipt ok. */
function startKommune(): Server {
  return createServer(async (req, res) => {
    const bundle = JSON.parse(await readBody(req)) as Bundle;
    const id = (bundle.entry?.[0]?.resource as MessageHeader).id!;
    res.writeHead(id.startsWith(REJECT) ? 400 : 200, { 'Content-Type': 'application/fhir+json' });
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', diagnostics: 'E35 pasienten er ukjent hos mottaker' }],
    };
    res.end(JSON.stringify(id.startsWith(REJECT) ? outcome : receiptFor(id, 'ok', '1508', '942953119')));
  });
}

/** The sender's receipt endpoint: keeps each receipt and answers 200 with an ok of its own. */
function senderServer(receipts: Bundle[]): Server {
  return createServer(async (req, res) => {
    const bundle = JSON.parse(await readBody(req)) as Bundle;
    receipts.push(bundle);
    const id = (bundle.entry?.[0]?.resource as MessageHeader).id!;
    postedTo.set(id, req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(receiptFor(id, 'ok', '1508', '997005562')));
  });
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const issuer: TokenIssuer = await createTokenIssuer({ issuer: issuerUrl, audience: 'ipbro', clients: [] });
  await new Promise<void>((resolve) => {
    issuerServer = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve());
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  token = await issuer.mint({
    orgnr: '997005562',
    scope: 'ipbro:message.write ipbro:message.read',
    clientId: 'hmr-dips',
    expiresInSeconds: 3600,
  });
  alesundToken = await issuer.mint({
    orgnr: '942953119',
    scope: 'ipbro:message.write ipbro:message.read',
    clientId: 'alesund-ke',
    expiresInSeconds: 3600,
  });
  kommune = startKommune();
  const kommunePort = await listen(kommune);
  const receipts: Bundle[] = [];
  const server = senderServer(receipts);
  sender = { server, port: await listen(server), receipts, up: true };
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner) k.koordinerendeEnhet.endpoint = `http://127.0.0.1:${kommunePort}/fhir`;
  // Helse Møre og Romsdal's koordinerende enhet: where its receipts go when a message names no endpoint.
  const hmr = directory.helseforetak.find((h: { orgnr: string }) => h.orgnr === '997005562');
  hmr.koordinerendeEnhet.endpoint = `http://127.0.0.1:${sender.port}/hmr-ke/fhir`;
  const directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  const common = { REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
  gateway = await startService('gateway', {
    ...common,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
  });
  router = await startService('meldeplikt-router', {
    ...common,
    DIRECTORY_FILE: directoryFile,
    DELIVERY_BACKOFF_MS: 200,
    DELIVERY_BACKOFF_MAX_MS: 500,
    DELIVERY_TIMEOUT_MS: 5000,
    ROUTER_LOCK_MS: 2000,
  });
  courier = await startService('document-courier', {
    ...common,
    DIRECTORY_FILE: directoryFile,
    DELIVERY_BACKOFF_MS: 200,
    DELIVERY_BACKOFF_MAX_MS: 500,
    DELIVERY_TIMEOUT_MS: 5000,
    COURIER_LOCK_MS: 2000,
  });
}, 60000);

afterAll(async () => {
  await stopService(courier);
  if (process.env.RECEIPTS_DEBUG) console.log(router.output.join(''));
  await stopService(router);
  await stopService(gateway);
  await close(issuerServer);
  await close(kommune);
  if (sender.up) await close(sender.server);
  await removeTestData(redis, prefix);
  redis.disconnect();
});

/**
 * The contract's meldeplikt with a new id, its source.endpoint at the test's sender, or (FHIR R4 requires
 * one) an address that takes no receipts: a URN.
 */
async function send(id: string, withEndpoint = true): Promise<void> {
  const b = JSON.parse(MELDEPLIKT);
  b.entry[0].resource.id = id;
  if (withEndpoint) b.entry[0].resource.source.endpoint = `http://127.0.0.1:${sender.port}/fhir`;
  else b.entry[0].resource.source.endpoint = `urn:uuid:${randomUUID()}`;
  const r = await fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(b),
  });
  expect(r.status).toBe(202);
}
const answering = (id: string) =>
  sender.receipts.filter((b) => (b.entry?.[0]?.resource as MessageHeader).response?.identifier === id);
const headerOf = (b: Bundle) => b.entry![0]!.resource as MessageHeader;
const stateOf = async (id: string) =>
  (
    (await (
      await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as { state: string }
  ).state;

test('an acknowledged meldeplikt gives its sender exactly one receipt, ok, naming its id and event', async () => {
  const id = randomUUID();
  await send(id);
  await eventually(async () => ((await stateOf(id)) === 'acknowledged' ? true : undefined), 15000, 'acknowledged');
  await eventually(async () => (answering(id).length ? true : undefined), 15000, 'the receipt');
  await new Promise((r) => setTimeout(r, 1500));
  const got = answering(id);
  expect(got).toHaveLength(1);
  expect(headerOf(got[0]!).response).toEqual({ identifier: id, code: 'ok' });
  expect(headerOf(got[0]!).eventCoding?.code).toBe('meldeplikt');
  expect(postedTo.get(headerOf(got[0]!).id!)).toBe('/fhir/$process-message');
  writeFileSync(join(work, 'receipt-ok.json'), JSON.stringify(got[0], null, 2));
}, 40000);

test("without an http(s) source.endpoint the receipt goes to the sender's koordinerende enhet in the directory", async () => {
  const id = randomUUID();
  await send(id, false);
  await eventually(async () => ((await stateOf(id)) === 'acknowledged' ? true : undefined), 15000, 'acknowledged');
  await eventually(async () => (answering(id).length ? true : undefined), 15000, 'the receipt');
  await new Promise((r) => setTimeout(r, 1500));
  const got = answering(id);
  expect(got).toHaveLength(1);
  expect(headerOf(got[0]!).response).toEqual({ identifier: id, code: 'ok' });
  expect(postedTo.get(headerOf(got[0]!).id!)).toBe('/hmr-ke/fhir/$process-message');
}, 40000);

test('a meldeplikt the kommune rejects (HTTP 400) gives its sender one fatal-error receipt with the reason', async () => {
  const id = `${REJECT}${randomUUID().slice(0, 20)}`;
  await send(id);
  await eventually(async () => ((await stateOf(id)) === 'rejected' ? true : undefined), 15000, 'rejected');
  await eventually(async () => (answering(id).length ? true : undefined), 15000, 'the receipt');
  await new Promise((r) => setTimeout(r, 1500));
  const got = answering(id);
  expect(got).toHaveLength(1);
  const header = headerOf(got[0]!);
  expect(header.response?.code).toBe('fatal-error');
  const outcome = got[0]!.entry!.find((e) => e.fullUrl === header.response?.details?.reference)
    ?.resource as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0]!.diagnostics).toContain('E35 pasienten er ukjent hos mottaker');
  writeFileSync(join(work, 'receipt-fatal.json'), JSON.stringify(got[0], null, 2));
}, 40000);

test('a sender that is down at first still gets its receipt, once, when it comes back', async () => {
  await close(sender.server);
  sender.up = false;
  const id = randomUUID();
  await send(id);
  await eventually(async () => ((await stateOf(id)) === 'acknowledged' ? true : undefined), 15000, 'acknowledged');
  await new Promise((r) => setTimeout(r, 2000));
  expect(answering(id)).toHaveLength(0);
  sender.server = senderServer(sender.receipts);
  await listen(sender.server, sender.port);
  sender.up = true;
  await eventually(async () => (answering(id).length ? true : undefined), 20000, 'the late receipt');
  await new Promise((r) => setTimeout(r, 1500));
  expect(answering(id)).toHaveLength(1);
  expect(headerOf(answering(id)[0]!).response?.code).toBe('ok');
}, 60000);

test('a plan copy that consent blocks gives its sender one fatal-error receipt saying why', async () => {
  const b = planCopy({ freshId: true, to: '944305823' });
  const header = b.entry![0]!.resource as MessageHeader;
  header.source = { ...header.source, endpoint: `http://127.0.0.1:${sender.port}/fhir` };
  const r = await fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${alesundToken}` },
    body: JSON.stringify(b),
  });
  expect(r.status).toBe(202);
  const id = header.id!;
  await eventually(async () => (answering(id).length ? true : undefined), 20000, 'the receipt');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const got = answering(id);
  expect(got).toHaveLength(1);
  const receiptHeader = headerOf(got[0]!);
  expect(receiptHeader.response?.code).toBe('fatal-error');
  expect(receiptHeader.eventCoding?.code).toBe('ip-plan-copy');
  const outcome = got[0]!.entry!.find((e) => e.fullUrl === receiptHeader.response?.details?.reference)
    ?.resource as OperationOutcome;
  expect(outcome.issue[0]!.diagnostics).toContain('blocked: consent: no taushetsplikt-fritak names Molde kommune');
}, 40000);
