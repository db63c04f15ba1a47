import { createLogger } from '@ipbro/service-kit';
import express from 'express';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createKommuneSimulator, type KommuneSimulator } from './kommune-simulator';
import { receiptFor } from './receipt-message';

// The simulator on real HTTP (ephemeral ports), with a stand-in gateway for the 'later' receipts.
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const message = (id: string, event = 'meldeplikt') =>
  JSON.stringify({
    resourceType: 'Bundle',
    type: 'message',
    entry: [{ resource: { resourceType: 'MessageHeader', id, eventCoding: { code: event } } }],
  });
const servers: Server[] = [];
const sims: KommuneSimulator[] = [];
const listen = (app: express.Express) =>
  new Promise<string>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
    servers.push(s);
  });
afterAll(async () => {
  for (const sim of sims) sim.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});
async function start(
  options: Partial<Parameters<typeof createKommuneSimulator>[0]> = {}
): Promise<{ sim: KommuneSimulator; base: string; post: (id: string, k?: string) => Promise<globalThis.Response> }> {
  const sim = createKommuneSimulator({ logger: quiet, ...options });
  sims.push(sim);
  const base = await listen(sim.app);
  const post = (id: string, k = '1508') =>
    fetch(`${base}/kommune/${k}/ke/$process-message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: message(id),
    });
  return { sim, base, post };
}
const put = (base: string, body: object) =>
  fetch(`${base}/_sim/behaviour`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const receivedAt = async (base: string, q = '') =>
  (await (await fetch(`${base}/_sim/received${q}`)).json()) as {
    id: string;
    kommune: string;
    count: number;
    event: string;
    at: string;
    answer: string;
  }[];

test('ok: 200 with a receipt message naming the received id, sent by the kommune', async () => {
  const { post } = await start();
  const res = await post('m-ok');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  const receipt = (await res.json()) as any;
  expect(receipt).toMatchObject({ resourceType: 'Bundle', type: 'message' });
  const header = receipt.entry[0].resource;
  expect(header.response).toEqual({ identifier: 'm-ok', code: 'ok' });
  const sender = receipt.entry.find((e: any) => e.fullUrl === header.sender.reference).resource;
  expect(sender.identifier[0]).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' });
});

test('a failure sequence per kommune, set over the control API; other kommuner keep the default', async () => {
  const { base, post } = await start();
  expect(
    (await put(base, { kommune: '1508', mode: 'fail', sequence: ['503', 'fatal-error', 'transient-error', 'ok'] }))
      .status
  ).toBe(200);
  const a = await post('a');
  expect(a.status).toBe(503);
  expect(((await a.json()) as any).issue[0]).toMatchObject({ severity: 'error', code: 'transient' });
  const fatal = (await (await post('b')).json()) as any;
  expect(fatal.entry[0].resource.response).toMatchObject({ identifier: 'b', code: 'fatal-error' });
  expect(fatal.entry.at(-1).resource).toMatchObject({ resourceType: 'OperationOutcome' });
  expect(((await (await post('c')).json()) as any).entry[0].resource.response).toMatchObject({
    code: 'transient-error',
  });
  expect(((await (await post('d')).json()) as any).entry[0].resource.response).toEqual({ identifier: 'd', code: 'ok' });
  expect(((await (await post('e')).json()) as any).entry[0].resource.response.code).toBe('ok'); // the last answer repeats
  expect((await post('x', '1506')).status).toBe(200);
  // Only what was taken is listed: refused messages are not received.
  expect((await receivedAt(base)).map((r) => [r.kommune, r.id])).toEqual([
    ['1508', 'd'],
    ['1508', 'e'],
    ['1506', 'x'],
  ]);
  expect((await receivedAt(base, '?kommune=1506')).map((r) => r.id)).toEqual(['x']);
});

test('a message that failed is not a duplicate when retried; a taken one is counted and answered as the first time', async () => {
  const { sim, post, base } = await start();
  sim.setBehaviour({ sequence: ['503', 'ok', '400'] }, '1508');
  expect((await post('m')).status).toBe(503);
  const first = (await (await post('m')).json()) as any;
  const again = await post('m');
  expect(again.status).toBe(200); // not the 400 next in the sequence
  expect(((await again.json()) as any).entry[0].resource.response).toEqual(first.entry[0].resource.response);
  expect((await receivedAt(base)).map((r) => [r.id, r.count, r.answer])).toEqual([['m', 2, 'ok']]);
  // The same id at another kommune is another message.
  expect((await post('m', '1506')).status).toBe(200);
  expect(sim.received.get('1506:m')?.count).toBe(1);
});

test(
  'timeout: the request is held (listed at /_sim/held), then 504; the message was taken, so a ' +
    'retry is a counted duplicate',
  async () => {
    const { base, post } = await start({ behaviour: { sequence: ['timeout', '400'], holdMs: 300 } });
    const pending = post('slow');
    for (let i = 0; i < 50; i++) {
      if (((await (await fetch(`${base}/_sim/held`)).json()) as unknown[]).length) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await (await fetch(`${base}/_sim/held`)).json()).toEqual([
      expect.objectContaining({ id: 'slow', kommune: '1508' }),
    ]);
    expect((await pending).status).toBe(504);
    expect(await (await fetch(`${base}/_sim/held`)).json()).toEqual([]);
    const retry = await post('slow');
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as any).entry[0].resource.response).toEqual({ identifier: 'slow', code: 'ok' });
    expect((await receivedAt(base))[0]).toMatchObject({ id: 'slow', count: 2, answer: 'timeout' });
  }
);

test('later: 202 at once, then the receipt is posted to the gateway as the kommune (X-Ipbro-Org, or a bearer token)', async () => {
  const got: { body: any; org?: string; auth?: string }[] = [];
  const gateway = express();
  gateway.post('/fhir/$process-message', express.json({ type: 'application/fhir+json' }), (req, res) => {
    got.push({
      body: req.body,
      org: req.headers['x-ipbro-org'] as string | undefined,
      auth: req.headers.authorization,
    });
    res.status(200).end();
  });
  const gatewayUrl = await listen(gateway);
  const waitFor = async (n: number) => {
    for (let i = 0; i < 100 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20));
  };
  const { post } = await start({ gatewayUrl, behaviour: { sequence: ['later'], laterMs: 50 } });
  const res = await post('m-1');
  expect(res.status).toBe(202);
  expect(((await res.json()) as any).issue[0].severity).toBe('information');
  expect(got).toHaveLength(0); // not yet
  await waitFor(1);
  expect(got).toHaveLength(1);
  expect(got[0]).toMatchObject({ org: '942953119', auth: undefined });
  expect(got[0].body.entry[0].resource.response).toEqual({ identifier: 'm-1', code: 'ok' });
  expect(got[0].body.entry[1].resource.identifier[0].value).toBe('942953119');
  // A duplicate of a 'later' message is answered 202 again and sends no second receipt.
  expect((await post('m-1')).status).toBe(202);

  const tokens: string[] = [];
  const { post: postMolde } = await start({
    gatewayUrl,
    behaviour: { sequence: ['later'], laterMs: 10 },
    token: async (orgnr) => {
      tokens.push(orgnr);
      return `tok-${orgnr}`;
    },
  });
  expect((await postMolde('m-2', '1506')).status).toBe(202);
  await waitFor(2);
  expect(got).toHaveLength(2);
  expect(got[1]).toMatchObject({ auth: 'Bearer tok-944305823', org: undefined });
  expect(tokens).toEqual(['944305823']);
});

test('the control API: reset forgets, a wrong behaviour is a 400 OperationOutcome, a non-message is a 400', async () => {
  const { base, post } = await start();
  await post('r1');
  expect(await receivedAt(base)).toHaveLength(1);
  expect((await fetch(`${base}/_sim/reset`, { method: 'POST' })).status).toBe(200);
  expect(await receivedAt(base)).toEqual([]);
  const bad = await put(base, { kommune: '1508', sequence: ['503', 'perhaps'] });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as any).issue[0]).toMatchObject({ severity: 'error', expression: ['sequence[1]'] });
  expect((await put(base, { kommune: 'Ålesund', mode: 'ok' })).status).toBe(400);
  const notMessage = await fetch(`${base}/kommune/1508/ke/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Patient' }),
  });
  expect(notMessage.status).toBe(400);
  expect(((await notMessage.json()) as any).resourceType).toBe('OperationOutcome');
});

test('a receipt for what the kommune sent is kept at /_sim/receipts, not taken as a message', async () => {
  const { base, post } = await start();
  const receipt = receiptFor('plan-copy-1', 'fatal-error', '1508', '997005562', 'ip-plan-copy');
  const res = await fetch(`${base}/kommune/1508/ke/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(receipt),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  await post('m-after');
  expect((await receivedAt(base)).map((r) => r.id)).toEqual(['m-after']);
  const kept = (await (await fetch(`${base}/_sim/receipts`)).json()) as object[];
  expect(kept).toEqual([
    expect.objectContaining({ answers: 'plan-copy-1', code: 'fatal-error', event: 'ip-plan-copy', kommune: '1508' }),
  ]);
});
