import { createLogger } from '@ipbro/service-kit';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createHospitalSimulator } from './hospital-simulator';
import { meldepliktSvarFor } from './meldeplikt-svar-message';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const MELDEPLIKT = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8')
) as Bundle;
let server: Server;
let hospital: string;

beforeAll(async () => {
  const app = createHospitalSimulator({ logger: quiet, gatewayUrl: 'http://127.0.0.1:1', token: async () => 'unused' });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  hospital = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: object) =>
  fetch(`${hospital}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });

test("a kommune's meldeplikt-svar is taken with an ok receipt naming it, and shown at /_sim/answers", async () => {
  const svar = meldepliktSvarFor(MELDEPLIKT, { kommune: '1508', orgnr: '942953119' });
  const id = (svar.entry![0].resource as MessageHeader).id;
  const res = await post('/fhir/$process-message', svar);
  expect(res.status).toBe(200);
  const receipt = (await res.json()) as Bundle;
  expect(receipt.entry?.[0].resource).toMatchObject({
    resourceType: 'MessageHeader',
    eventCoding: { code: 'meldeplikt-svar' },
    response: { identifier: id, code: 'ok' },
  });
  expect(receipt.entry?.[1].resource).toMatchObject({
    resourceType: 'Organization',
    identifier: [{ value: '997005562' }],
  });
  await post('/fhir/$process-message', svar); // delivered again: one answer, counted twice
  const answers = (await (await fetch(`${hospital}/_sim/answers`)).json()) as unknown[];
  expect(answers).toEqual([
    {
      at: expect.any(String),
      id,
      count: 2,
      meldeplikt: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01',
      status: 'completed',
      koordinator: {
        name: 'Ingrid Hansen',
        telecom: [
          { system: 'phone', value: '+47 70 16 20 00' },
          { system: 'email', value: 'koordinator@kommune.example.test' },
        ],
      },
      individuellPlan: expect.stringContaining('Oppstartsmøte'),
    },
  ]);
});

test("a rejection arriving at another helseforetak's path is listed with its reason and that path; receipts are not answers", async () => {
  const svar = meldepliktSvarFor(MELDEPLIKT, { kommune: '1508', orgnr: '942953119', status: 'rejected' });
  const res = await post('/ous/fhir/$process-message', svar);
  expect(((await res.json()) as Bundle).entry?.[1].resource).toMatchObject({ identifier: [{ value: '993467049' }] });
  await post('/fhir/$process-message', {
    resourceType: 'Bundle',
    type: 'message',
    entry: [{ resource: { resourceType: 'MessageHeader', id: 'r-9', response: { identifier: 'x', code: 'ok' } } }],
  });
  const answers = (await (await fetch(`${hospital}/_sim/answers`)).json()) as {
    id: string;
    status: string;
    reason?: string;
    hospital?: string;
  }[];
  expect(answers.slice(1)).toEqual([
    expect.objectContaining({
      id: (svar.entry![0].resource as MessageHeader).id,
      status: 'rejected',
      reason: expect.stringContaining('takket nei'),
      hospital: 'ous',
    }),
  ]);
});

test('receipts for what the hospital sent are listed at /_sim/receipts: the message, the code and the reason', async () => {
  await post('/stolav/fhir/$process-message', {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      {
        fullUrl: 'urn:uuid:h',
        resource: {
          resourceType: 'MessageHeader',
          id: 'r-10',
          eventCoding: { code: 'meldeplikt' },
          sender: { display: 'IP-bro' },
          response: { identifier: 'm-10', code: 'fatal-error', details: { reference: 'urn:uuid:o' } },
        },
      },
      {
        fullUrl: 'urn:uuid:o',
        resource: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'processing', diagnostics: 'E35' }],
        },
      },
    ],
  });
  const receipts = (await (await fetch(`${hospital}/_sim/receipts`)).json()) as object[];
  expect(receipts.at(-1)).toEqual({
    at: expect.any(String),
    id: 'r-10',
    answers: 'm-10',
    event: 'meldeplikt',
    code: 'fatal-error',
    reason: 'E35',
    from: 'IP-bro',
    hospital: 'stolav',
  });
  // The meldeplikt-svar posted above are answers, not receipts: only the two receipts are listed.
  expect(receipts.map((r) => (r as { id: string }).id)).toEqual(['r-9', 'r-10']);
});
