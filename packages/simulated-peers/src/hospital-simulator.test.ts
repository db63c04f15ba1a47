import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createAuthenticator,
  createLogger,
  createServiceApp,
  SCOPES,
  authOf,
  type AuthContext,
} from '@ipbro/service-kit';
import { validateMessage } from '@ipbro/validation';
import type { Bundle, MessageHeader, Patient } from '@medplum/fhirtypes';
import express, { type Express } from 'express';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { clientCredentialsTokenSource } from '@ipbro/client-credentials';
import { createHospitalSimulator } from './hospital-simulator';
import { createTokenIssuer } from './token-issuer';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const servers: Server[] = [];
const listen = async (app: Express): Promise<string> => {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
});

/** What a gateway saw: the body and the verified token. */
const arrived: { body: Bundle; auth: AuthContext }[] = [];
let hospital: string;
let tokenRequests = 0;

beforeAll(async () => {
  const issuer = await createTokenIssuer({
    issuer: 'http://issuer.test',
    audience: 'ipbro',
    clients: [{ clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write'] }],
  });
  // The issuer behind a counter of token requests.
  const counted = express();
  counted.use((req, _res, next) => {
    if (req.path === '/token') tokenRequests++;
    next();
  });
  counted.use(issuer.app);
  const issuerUrl = await listen(counted);
  // A stand-in gateway that verifies the token the way the real one does and keeps what it got.
  const gw = createServiceApp({ name: 'gw', logger: quiet });
  const auth = createAuthenticator({
    mode: 'jwt',
    issuer: 'http://issuer.test',
    audience: 'ipbro',
    jwksUrl: `${issuerUrl}/.well-known/jwks.json`,
  });
  gw.app.post('/fhir/$process-message', auth.requireScope(SCOPES.write), (req, res) => {
    arrived.push({ body: req.body as Bundle, auth: authOf(res) });
    const id = ((req.body as Bundle).entry?.[0].resource as MessageHeader).id;
    res
      .status(202)
      .set('Location', `/messages/${id}`)
      .json({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] });
  });
  const gatewayUrl = await listen(gw.finish());
  hospital = await listen(
    createHospitalSimulator({
      logger: quiet,
      gatewayUrl,
      token: clientCredentialsTokenSource({ tokenUrl: `${issuerUrl}/token`, clientId: 'hmr-dips' }),
      receiptEndpoint: 'http://hospital.test/fhir',
    })
  );
});

const send = (body?: unknown) =>
  fetch(`${hospital}/send/meldeplikt`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });

test('POST /send/meldeplikt posts the example meldeplikt with a fresh id and a token of the hospital', async () => {
  const res = await send();
  expect(res.status).toBe(202);
  const answer = (await res.json()) as { id: string; location: string };
  expect(answer.location).toBe(`/messages/${answer.id}`);
  const got = arrived.at(-1) as (typeof arrived)[number];
  const header = got.body.entry?.[0].resource as MessageHeader;
  expect(header.id).toBe(answer.id);
  expect(header.id).not.toBe('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
  expect(header.source?.endpoint).toBe('http://hospital.test/fhir');
  expect(got.auth).toMatchObject({ orgnr: '997005562', clientId: 'hmr-dips', scopes: ['ipbro:message.write'] });
  expect(validateMessage(got.body).issue?.filter((i) => i.severity === 'error')).toEqual([]);

  const second = (await (await send()).json()) as { id: string };
  expect(second.id).not.toBe(answer.id);
  expect(tokenRequests).toBe(1); // the token is reused while it is valid
  expect(((await (await fetch(`${hospital}/_sim/sent`)).json()) as { id: string; status: number }[]).slice(-2)).toEqual(
    [
      { id: answer.id, status: 202, location: `/messages/${answer.id}` },
      { id: second.id, status: 202, location: `/messages/${second.id}` },
    ]
  );
});

test("a patient in the body takes the example patient's place, and the message is still valid", async () => {
  // Synthetic fødselsnummer (month + 80) for 1990-07-01, check digits valid.
  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '01879090063' }],
    name: [{ family: 'Testesen', given: ['Kari'] }],
    birthDate: '1990-07-01',
    address: [
      {
        use: 'home',
        district: 'Molde',
        _district: {
          extension: [
            {
              url: 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode',
              valueCoding: { system: 'urn:oid:2.16.578.1.12.4.1.1.3402', code: '1506' },
            },
          ],
        },
      } as never,
    ],
  };
  const res = await send({ patient });
  expect(res.status).toBe(202);
  const bundle = (arrived.at(-1) as (typeof arrived)[number]).body;
  const patients = bundle.entry?.filter((e) => e.resource?.resourceType === 'Patient') ?? [];
  expect(patients).toHaveLength(1);
  expect(patients[0].resource).toMatchObject({
    id: 'pas',
    identifier: [{ value: '01879090063' }],
    birthDate: '1990-07-01',
  });
  expect(validateMessage(bundle).issue?.filter((i) => i.severity === 'error')).toEqual([]);
});

test('a body that is not a patient: 400 with an OperationOutcome, nothing sent', async () => {
  const before = arrived.length;
  const res = await send({ resourceType: 'Observation' });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  expect(arrived.length).toBe(before);
});

test('receipts posted to /fhir/$process-message are listed at /_sim/received', async () => {
  const receipt = {
    resourceType: 'Bundle',
    type: 'message',
    entry: [{ resource: { resourceType: 'MessageHeader', id: 'r-1', response: { identifier: 'm-1', code: 'ok' } } }],
  };
  const res = await fetch(`${hospital}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(receipt),
  });
  expect(res.status).toBe(200);
  const listed = (await (await fetch(`${hospital}/_sim/received`)).json()) as { at: string; body: unknown }[];
  expect(listed).toHaveLength(1);
  expect(listed[0].body).toEqual(receipt);
  expect(Number.isNaN(Date.parse(listed[0].at))).toBe(false);
});

test(
  'the other helseforetak of the demo directory take messages at /{hospital}/fhir/$process-message, ' +
    "listed with the hospital's path",
  async () => {
    const before = ((await (await fetch(`${hospital}/_sim/received`)).json()) as unknown[]).length;
    const message = {
      resourceType: 'Bundle',
      type: 'message',
      entry: [
        { resource: { resourceType: 'MessageHeader', id: 'h-1', eventCoding: { code: 'koordinator-handover' } } },
      ],
    };
    const res = await fetch(`${hospital}/ous/fhir/$process-message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(message),
    });
    expect(res.status).toBe(200);
    const listed = (await (await fetch(`${hospital}/_sim/received`)).json()) as { hospital?: string; body: unknown }[];
    expect(listed.slice(before)).toEqual([expect.objectContaining({ hospital: 'ous', body: message })]);
  }
);

test('POST /send/epikrise sends the example epikrise with a fresh id, to ?to=… when given; the message stays valid', async () => {
  const res = await fetch(`${hospital}/send/epikrise`, { method: 'POST' });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const got = arrived.at(-1) as (typeof arrived)[number];
  expect(got.body.entry?.[0].resource).toMatchObject({ id, eventCoding: { code: 'epikrise' } });
  expect(id).not.toBe(
    JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'epikrise.json'), 'utf8'))
      .entry[0].resource.id
  );
  expect(validateMessage(got.body).issue?.filter((i) => i.severity === 'error')).toEqual([]);
  const toMolde = await fetch(`${hospital}/send/epikrise?to=944305823`, { method: 'POST' });
  expect(toMolde.status).toBe(202);
  const moldeBody = (arrived.at(-1) as (typeof arrived)[number]).body;
  expect(moldeBody.entry?.[0].resource).toMatchObject({
    destination: [{ receiver: { identifier: { value: '944305823' } } }],
  });
  expect(validateMessage(moldeBody).issue?.filter((i) => i.severity === 'error')).toEqual([]);
});

test("POST /send/koordinator-handover: the hospital hands the contract's plan to the home kommune; the message is valid", async () => {
  const res = await fetch(`${hospital}/send/koordinator-handover`, { method: 'POST' });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const got = arrived.at(-1) as (typeof arrived)[number];
  const header = got.body.entry?.[0].resource as MessageHeader;
  expect(header).toMatchObject({
    id,
    eventCoding: { code: 'koordinator-handover' },
    source: { endpoint: 'http://hospital.test/fhir' },
  });
  expect(header.destination).toBeUndefined();
  const sender = got.body.entry?.find((e) => e.fullUrl === header.sender?.reference)?.resource;
  expect(sender).toMatchObject({
    resourceType: 'Organization',
    identifier: expect.arrayContaining([{ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' }]),
  });
  const roles = JSON.stringify(got.body.entry?.find((e) => e.resource?.resourceType === 'CareTeam')?.resource);
  expect(roles).toContain('"code":"midlertidig-koordinator"');
  expect(roles).toContain('"code":"koordinator"');
  expect(validateMessage(got.body).issue?.filter((i) => i.severity === 'error')).toEqual([]);
});

test('an event it cannot send, or a `to` that is not an organisasjonsnummer: 400 with an OperationOutcome, nothing sent', async () => {
  const before = arrived.length;
  for (const url of [`${hospital}/send/receipt`, `${hospital}/send/epikrise?to=molde`, `${hospital}/send/toString`]) {
    const res = await fetch(url, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  }
  expect(arrived.length).toBe(before);
});
