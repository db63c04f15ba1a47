import { Directory } from '@ipbro/directory';
import { type OutcomeError } from '@ipbro/outcome';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptMessage } from './intake';
import type { IntakeDeps } from './intake-deps';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

const directory = Directory.fromObject(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'))
);
const HMR = { orgnr: '997005562', scopes: ['ipbro:message.write'] };
const ALESUND = { orgnr: '942953119', scopes: ['ipbro:message.write'] };
let fx: ReturnType<typeof redisFixture>;
let deps: IntakeDeps;

beforeAll(() => {
  fx = redisFixture();
  deps = { ledger: fx.ledger, queues: fx.queues, directory, now: NOW };
});
afterAll(() => fx.close());

/** A meldeplikt from HMR to Ålesund, queued; returns its id. */
async function sent(): Promise<string> {
  const b = fixture('meldeplikt');
  b.entry[0].resource.id = randomUUID();
  expect((await acceptMessage(b, HMR, deps)).status).toBe(202);
  return b.entry[0].resource.id;
}

/** Ålesund's receipt for `id`; with a reason, an OperationOutcome the response's details name. */
function receipt(id: string, code: string, reason?: string) {
  const b = fixture('receipt-ok');
  b.entry[0].resource.id = randomUUID();
  b.entry[0].resource.response = { identifier: id, code };
  if (reason) {
    b.entry.push({
      fullUrl: 'urn:uuid:9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f',
      resource: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'business-rule', diagnostics: reason }],
      },
    });
    b.entry[0].resource.response.details = { reference: 'urn:uuid:9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f' };
  }
  return b;
}

test('ok from the recipient: acknowledged (even before the router recorded the delivery)', async () => {
  const id = await sent();
  const jobs = await fx.jobCount();
  const r = await acceptMessage(receipt(id, 'ok'), ALESUND, deps);
  expect(r).toMatchObject({ status: 200, kind: 'receipt', body: { resourceType: 'OperationOutcome' } });
  const record = await fx.ledger.get(`997005562:${id}`);
  expect(record).toMatchObject({ state: 'acknowledged', receipt: { code: 'ok' } });
  expect(record?.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
  expect(await fx.jobCount()).toBe(jobs); // a receipt is never queued for delivery
});

test('fatal-error: rejected, with the reason the recipient gave', async () => {
  const id = await sent();
  await fx.ledger.move({ key: `997005562:${id}`, to: 'delivered', detail: 'HTTP 202', patch: { attempts: 1 } });
  await acceptMessage(receipt(id, 'fatal-error', 'Pasienten er ikke bosatt i kommunen'), ALESUND, deps);
  const record = await fx.ledger.get(`997005562:${id}`);
  expect(record).toMatchObject({
    state: 'rejected',
    receipt: { code: 'fatal-error', detail: 'Pasienten er ikke bosatt i kommunen' },
  });
  expect(record?.history.at(-1)?.detail).toContain('Pasienten er ikke bosatt i kommunen');
});

test('transient-error: a note in the history, the state stays', async () => {
  const id = await sent();
  await fx.ledger.move({ key: `997005562:${id}`, to: 'delivered', detail: 'HTTP 202', patch: { attempts: 1 } });
  await acceptMessage(receipt(id, 'transient-error', 'Fagsystemet er nede'), ALESUND, deps);
  const record = await fx.ledger.get(`997005562:${id}`);
  expect(record?.state).toBe('delivered');
  expect(record?.receipt).toBeUndefined();
  expect(record?.history.at(-1)).toMatchObject({
    state: 'delivered',
    detail: 'receipt transient-error from 942953119 (HER-id 8110021): Fagsystemet er nede',
  });
});

test('only the recipient may answer: another kommune, or a token of another organisation, changes nothing', async () => {
  const id = await sent();
  const molde = receipt(id, 'ok');
  const org = molde.entry[1].resource;
  org.identifier = [
    { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '944305823' },
    { system: 'urn:oid:2.16.578.1.12.4.1.2', value: '8110031' },
  ];
  org.name = 'Molde kommune';
  const err = (await acceptMessage(molde, { orgnr: '944305823', scopes: ['ipbro:message.write'] }, deps).catch(
    (e: unknown) => e
  )) as OutcomeError;
  expect(err.status).toBe(422);
  expect(err.outcome.issue?.[0].expression).toEqual(['Bundle.entry[0].resource.response.identifier']);
  const stranger = (await acceptMessage(receipt(id, 'ok'), HMR, deps).catch((e: unknown) => e)) as OutcomeError;
  expect(stranger.status).toBe(403);
  expect((await fx.ledger.get(`997005562:${id}`))?.state).toBe('queued');
});

test('a receipt for an id nobody sent: 422 naming response.identifier', async () => {
  const err = (await acceptMessage(receipt(randomUUID(), 'ok'), ALESUND, deps).catch(
    (e: unknown) => e
  )) as OutcomeError;
  expect(err.status).toBe(422);
});
