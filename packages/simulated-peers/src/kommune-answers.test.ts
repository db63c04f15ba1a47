import { createLogger } from '@ipbro/service-kit';
import type { Bundle, MessageHeader, Organization, Task } from '@medplum/fhirtypes';
import express from 'express';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createKommuneSimulator, type KommuneSimulator } from './kommune-simulator';

// The simulator on real HTTP with a stand-in gateway that keeps what the kommune posts to it.
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const MELDEPLIKT = readFileSync(
  join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'),
  'utf8'
);
const servers: Server[] = [];
const gatewayGot: { at: number; body: Bundle; org?: string }[] = [];
let gatewayUrl: string;
let sim: KommuneSimulator;
let base: string;

const listen = (app: express.Express) =>
  new Promise<string>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
    servers.push(s);
  });

beforeAll(async () => {
  const gw = express();
  gw.post('/fhir/$process-message', express.json({ type: 'application/fhir+json' }), (req, res) => {
    gatewayGot.push({ at: Date.now(), body: req.body, org: req.header('x-ipbro-org') });
    res.status(202).end();
  });
  gatewayUrl = await listen(gw);
  sim = createKommuneSimulator({ logger: quiet, gatewayUrl, answer: { afterMs: 100 } });
  base = await listen(sim.app);
});
afterAll(async () => {
  sim.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});
beforeEach(() => {
  sim.reset();
  gatewayGot.length = 0;
});

const send = (id: string) => {
  const b = JSON.parse(MELDEPLIKT);
  b.entry[0].resource.id = id;
  return fetch(`${base}/kommune/1508/ke/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(b),
  });
};
const headerOf = (b: Bundle) => b.entry?.[0].resource as MessageHeader;
async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('after its receipt the kommune answers the meldeplikt with a meldeplikt-svar, as itself, and notes it', async () => {
  const sentAt = Date.now();
  expect((await send('m-answer-1')).status).toBe(200); // 'ok': the receipt in the answer
  const svar = await until(() => gatewayGot.find((g) => headerOf(g.body).eventCoding?.code === 'meldeplikt-svar'));
  expect(svar.at - sentAt).toBeGreaterThanOrEqual(100);
  expect(svar.org).toBe('942953119');
  const task = svar.body.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;
  expect(task.basedOn?.[0].identifier?.value).toBe('urn:uuid:m-answer-1');
  const sender = svar.body.entry?.find((e) => e.fullUrl === headerOf(svar.body).sender?.reference)
    ?.resource as Organization;
  expect(sender.identifier?.[0].value).toBe('942953119');
  const received = await until(() => sim.received.get('1508:m-answer-1')?.svar);
  expect(received).toEqual({ id: headerOf(svar.body).id, status: 202 });
});

test('with `later`, the receipt goes first and the svar after it; answering can be turned off and set over the control API', async () => {
  sim.setBehaviour({ sequence: ['later'], laterMs: 50 });
  await send('m-answer-2');
  await until(() => (gatewayGot.length >= 2 ? true : undefined));
  expect(gatewayGot.map((g) => (headerOf(g.body).response ? 'receipt' : headerOf(g.body).eventCoding?.code))).toEqual([
    'receipt',
    'meldeplikt-svar',
  ]);

  const put = (body: object) =>
    fetch(`${base}/_sim/answer`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await put({ afterMs: -1 })).status).toBe(400);
  expect(await (await put({ off: true })).json()).toEqual({ off: true });
  gatewayGot.length = 0;
  await send('m-answer-3');
  await new Promise((r) => setTimeout(r, 400));
  expect(gatewayGot.map((g) => (headerOf(g.body).response ? 'receipt' : 'svar'))).toEqual(['receipt']);

  expect(await (await put({ afterMs: 10, status: 'rejected' })).json()).toEqual({ afterMs: 10, status: 'rejected' });
  await send('m-answer-4');
  const svar = await until(() => gatewayGot.find((g) => headerOf(g.body).eventCoding?.code === 'meldeplikt-svar'));
  expect(svar.body.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource).toMatchObject({
    status: 'rejected',
  });
});

test('messages other than a meldeplikt, and messages not taken, get no svar', async () => {
  sim.setBehaviour({ sequence: ['503'] }, '1508');
  await send('m-refused');
  await fetch(`${base}/kommune/1506/ke/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Bundle',
      type: 'message',
      entry: [
        { resource: { resourceType: 'MessageHeader', id: 'h-1', eventCoding: { code: 'koordinator-handover' } } },
      ],
    }),
  });
  await new Promise((r) => setTimeout(r, 300));
  expect(gatewayGot).toEqual([]);
});
