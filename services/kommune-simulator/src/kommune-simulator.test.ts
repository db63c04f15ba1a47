import { createLogger } from '@ipbro/service-kit';
import express from 'express';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createKommuneSimulator } from './kommune-simulator';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const message = (id: string) => JSON.stringify({ resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'MessageHeader', id, eventCoding: { code: 'meldeplikt' } } }] });
const servers: Server[] = [];
const listen = (app: express.Express) => new Promise<string>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
  servers.push(s);
});
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

test('answers follow the sequence per kommune; a repeated id is counted, not acted on twice', async () => {
  const sim = createKommuneSimulator({ logger: quiet });
  const base = await listen(sim.app);
  sim.setBehaviour({ sequence: ['503', 'fatal-error', 'ok'] }, '1508');
  const post = (id: string, k = '1508') => fetch(`${base}/kommune/${k}/ke/$process-message`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: message(id) });
  expect((await post('a')).status).toBe(503);
  const fatal = await post('b');
  expect(fatal.status).toBe(200);
  expect(((await fatal.json()) as any).entry[0].resource.response).toEqual({ identifier: 'b', code: 'fatal-error' });
  const ok = await post('c');
  expect(((await ok.json()) as any).entry[0].resource.response).toEqual({ identifier: 'c', code: 'ok' });
  expect((await post('c')).status).toBe(200);
  expect((await post('d', '1506')).status).toBe(200); // other kommuner keep the default
  const received = (await (await fetch(`${base}/_sim/received`)).json()) as { id: string; count: number }[];
  expect(received.map((r) => [r.id, r.count])).toEqual([['c', 2], ['d', 1]]);
});

test('later: 202 at once, then the receipt is posted to the gateway as the kommune', async () => {
  const got: { body: any; org?: string }[] = [];
  const gateway = express();
  gateway.post('/fhir/$process-message', express.json({ type: 'application/fhir+json' }), (req, res) => {
    got.push({ body: req.body, org: req.headers['x-ipbro-org'] as string | undefined });
    res.status(200).end();
  });
  const gatewayUrl = await listen(gateway);
  const sim = createKommuneSimulator({ logger: quiet, gatewayUrl, behaviour: { sequence: ['later'], laterMs: 50 } });
  const base = await listen(sim.app);
  const res = await fetch(`${base}/kommune/1508/ke/$process-message`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: message('m-1') });
  expect(res.status).toBe(202);
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(got).toHaveLength(1);
  expect(got[0].org).toBe('942953119');
  expect(got[0].body.entry[0].resource.response).toEqual({ identifier: 'm-1', code: 'ok' });
  expect(got[0].body.entry[1].resource.identifier[0].value).toBe('942953119');
});
