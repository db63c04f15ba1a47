import { Directory, type ResolvedRecipient } from '@ipbro/directory';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AuditTrail } from '@ipbro/audit';
import { recordingAudit } from '@ipbro/audit/src/test-support/recording-audit';
import { RecipientLimit } from '@ipbro/delivery-step';
import { holdSlot } from '@ipbro/delivery-step/src/test-support/held-slot';
import { createLogger } from '@ipbro/service-kit';
import { deliverFromLedger, type MeldepliktDeliveryDeps } from './meldeplikt-delivery';

// The delivery step against a real ledger in Redis (unique prefix) and a real HTTP recipient.
const ROOT = join(__dirname, '..', '..', '..');
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const SENDER = '997005562';
const prefix = `{ipbro-delivery-${randomUUID().slice(0, 8)}}`;

type Handler = (req: IncomingMessage, body: any, res: ServerResponse) => void;
let handler: Handler;
const seen: { headers: IncomingMessage['headers']; body: any }[] = [];
let server: Server;
let redis: Redis;
let ledger: MessageLedger;
let deps: MeldepliktDeliveryDeps;
/** Ålesund's koordinerende enhet as the directory names it (the recipient limit's key). */
let alesund: string;

const receipt = (id: string, code: string) => ({
  resourceType: 'Bundle',
  type: 'message',
  entry: [
    {
      resource: {
        resourceType: 'MessageHeader',
        id: randomUUID(),
        eventCoding: { code: 'meldeplikt' },
        response: { identifier: id, code },
      },
    },
  ],
});
const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'Content-Type': 'application/fhir+json', ...headers }).end(JSON.stringify(body));

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text);
      seen.push({ headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  alesund = `http://127.0.0.1:${port}/kommune/1508/ke`;
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
  const directory = Directory.fromObject({
    kommuner: [
      {
        kommunenummer: '1508',
        name: 'Ålesund kommune',
        orgnr: '942953119',
        koordinerendeEnhet: {
          herId: '8110021',
          endpoint: `http://127.0.0.1:${port}/kommune/1508/ke`,
          delivery: 'fhir-message',
        },
      },
      {
        kommunenummer: '1506',
        name: 'Molde kommune',
        orgnr: '944305823',
        koordinerendeEnhet: {
          endpoint: `http://127.0.0.1:${port}/kommune/1506/ke`,
          delivery: 'fhir-message',
          requiresToken: true,
        },
      },
    ],
    helseforetak: [],
  });
  deps = { ledger, directory, timeoutMs: 2000, maxAttempts: 3 };
});

afterAll(async () => {
  await removeTestData(redis, prefix);
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen.length = 0;
  handler = (_req, body, res) => json(res, 200, receipt(body.entry[0].resource.id, 'ok'));
});

/** A copy of the example meldeplikt with its own id, accepted into the ledger as the gateway does. */
async function accept(
  kommune = '1508'
): Promise<{ key: string; id: string; job: { key: string; messageId: string; sender: string; event: string } }> {
  const bundle = JSON.parse(MELDEPLIKT);
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  bundle.entry[2].resource.address[0]._district.extension[0].valueCoding.code = kommune;
  const key = ledgerKey(SENDER, id);
  await ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: JSON.stringify(bundle),
    enqueue: async () => undefined,
  });
  return { key, id, job: { key, messageId: id, sender: SENDER, event: 'meldeplikt' } };
}

test(
  'receipt ok at once: acknowledged, with the recipient, the attempt and the receipt; the request ' +
    'carries the id and the destination',
  async () => {
    const { job, id } = await accept();
    const step = await deliverFromLedger(job, deps);
    expect(step.kind).toBe('done');
    expect(step.record).toMatchObject({
      state: 'acknowledged',
      attempts: 1,
      receipt: { code: 'ok' },
      recipient: { kommunenummer: '1508', orgnr: '942953119', herId: '8110021' },
    });
    expect(step.record?.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['x-request-id']).toBe(id);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].body.entry[0].resource).toMatchObject({
      id,
      destination: [{ name: 'Ålesund kommune', receiver: { identifier: { value: '942953119' } } }],
    });
  }
);

test('202: delivered, waiting for the receipt; a job run again after that does not post twice', async () => {
  handler = (_req, _body, res) =>
    json(res, 202, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] });
  const { job } = await accept();
  expect((await deliverFromLedger(job, deps)).record?.state).toBe('delivered');
  expect((await deliverFromLedger(job, deps)).record?.state).toBe('delivered');
  expect(seen).toHaveLength(1);
});

test('transient failures: retrying with the attempt and reason, then dead on the last attempt', async () => {
  handler = (_req, _body, res) =>
    json(
      res,
      503,
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'transient', diagnostics: 'vedlikehold' }],
      },
      { 'Retry-After': '2' }
    );
  const { job } = await accept();
  const first = await deliverFromLedger(job, deps);
  expect(first).toMatchObject({
    kind: 'retry',
    attempt: 1,
    retryAfterMs: 2000,
    record: { state: 'retrying', attempts: 1 },
  });
  expect(first.record?.history.at(-1)?.detail).toBe('attempt 1 of 3: HTTP 503: vedlikehold');
  expect((await deliverFromLedger(job, deps)).kind).toBe('retry');
  const last = await deliverFromLedger(job, deps);
  expect(last).toMatchObject({ kind: 'fatal', record: { state: 'dead', attempts: 3 } });
  expect(last.record?.history.at(-1)?.detail).toContain('attempts exhausted (3)');
  // Dead is final: another run does nothing.
  expect(await deliverFromLedger(job, deps)).toMatchObject({ kind: 'done', record: { state: 'dead' } });
  expect(seen).toHaveLength(3);
});

test("a fatal-error receipt or a 4xx: rejected, with the recipient's reason kept as its receipt, never retried", async () => {
  handler = (_req, body, res) =>
    json(res, 200, {
      ...receipt(body.entry[0].resource.id, 'fatal-error'),
      entry: [
        ...receipt(body.entry[0].resource.id, 'fatal-error').entry,
        {
          resource: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'processing', diagnostics: 'E35 pasient ukjent' }],
          },
        },
      ],
    });
  const a = await accept();
  expect(await deliverFromLedger(a.job, deps)).toMatchObject({
    kind: 'fatal',
    reason: 'receipt fatal-error: E35 pasient ukjent',
    record: {
      state: 'rejected',
      attempts: 1,
      receipt: { code: 'fatal-error', detail: 'receipt fatal-error: E35 pasient ukjent' },
    },
  });
  handler = (_req, _body, res) =>
    json(res, 400, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'T01 format' }],
    });
  const b = await accept();
  expect(await deliverFromLedger(b.job, deps)).toMatchObject({
    kind: 'fatal',
    reason: 'HTTP 400: T01 format',
    record: { state: 'rejected', receipt: { code: 'fatal-error', detail: 'HTTP 400: T01 format' } },
  });
});

test('no koordinerende enhet for the kommune: unroutable, nothing posted, the attempt not counted', async () => {
  const { job } = await accept('4601');
  const step = await deliverFromLedger(job, deps);
  expect(step).toMatchObject({ kind: 'done', record: { state: 'unroutable', attempts: 0 } });
  expect(step.record?.history.at(-1)?.detail).toBe('no koordinerende enhet known for kommune 4601');
  expect(seen).toHaveLength(0);
});

test('a recipient that requires a token gets the bearer token; without a token source it is retried, not sent bare', async () => {
  const { job } = await accept('1506');
  const without = await deliverFromLedger(job, deps);
  expect(without).toMatchObject({ kind: 'retry', record: { state: 'retrying' } });
  expect(without.record?.history.at(-1)?.detail).toContain('requires one');
  expect(seen).toHaveLength(0);
  const asked: ResolvedRecipient[] = [];
  const step = await deliverFromLedger(job, {
    ...deps,
    tokenFor: async (r) => {
      asked.push(r);
      return 'kommune-token';
    },
  });
  expect(step.record?.state).toBe('acknowledged');
  expect(asked[0].party.orgnr).toBe('944305823');
  expect(seen[0].headers.authorization).toBe('Bearer kommune-token');
});

test('the worker writes the queued record when it runs before the gateway got to it', async () => {
  const bundle = JSON.parse(MELDEPLIKT);
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  const key = ledgerKey(SENDER, id);
  await redis.set(`${prefix}:body:${key}`, JSON.stringify(bundle));
  const step = await deliverFromLedger({ key, messageId: id, sender: SENDER, event: 'meldeplikt' }, deps);
  expect(step.record?.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
});

test('a job whose body is missing fails loudly', async () => {
  await expect(
    deliverFromLedger({ key: `${SENDER}:nothing`, messageId: 'nothing', sender: SENDER, event: 'meldeplikt' }, deps)
  ).rejects.toThrow(/no body/);
});

test('a stored body that is not JSON ends dead at once, saying why (no retry can mend it)', async () => {
  const id = randomUUID();
  const key = ledgerKey(SENDER, id);
  await ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: '{"resourceType":"Bundle",',
    enqueue: async () => undefined,
  });
  const step = await deliverFromLedger({ key, messageId: id, sender: SENDER, event: 'meldeplikt' }, deps);
  expect(step).toMatchObject({ kind: 'fatal', record: { state: 'dead' } });
  expect(step.record?.history.at(-1)?.detail).toContain('cannot be read');
  expect(seen).toHaveLength(0);
});

test("a job with the gateway's routing hints sends the same bytes as one without (the body is not parsed)", async () => {
  const a = await accept();
  const b = await accept();
  await deliverFromLedger({ ...a.job, homeKommune: '1508' }, deps);
  await deliverFromLedger(b.job, deps);
  expect(seen).toHaveLength(2);
  const [hinted, parsed] = seen.map((s) => s.body);
  expect(hinted.entry[0].resource.destination).toEqual(parsed.entry[0].resource.destination);
  expect(hinted.entry[0].resource.destination[0]).toMatchObject({
    name: 'Ålesund kommune',
    receiver: { identifier: { value: '942953119' } },
  });
});

test('a hinted job whose stored body was cut short still ends dead, saying why', async () => {
  const id = randomUUID();
  const key = ledgerKey(SENDER, id);
  await ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MessageHeader"',
    enqueue: async () => undefined,
  });
  const step = await deliverFromLedger(
    { key, messageId: id, sender: SENDER, event: 'meldeplikt', homeKommune: '1508' },
    deps
  );
  expect(step).toMatchObject({ kind: 'fatal', record: { state: 'dead' } });
  expect(seen).toHaveLength(0);
});

/** Ålesund's one slot (a RecipientLimit of 1 on a fake clock), taken by a send that has been going for `forMs`; `free()` ends it. */
function busyAlesund(forMs: number): { limit: RecipientLimit; free: () => Promise<void> } {
  let now = 0;
  const limit = new RecipientLimit(1, () => now);
  const { free } = holdSlot(limit, alesund);
  now = forMs;
  return { limit, free };
}

test(
  'a recipient busy for longer than deferAfterMs: defer, before any attempt (no post; the ledger ' +
    'and the trail unchanged); once its line is short, posted as usual',
  async () => {
    const { limit, free } = busyAlesund(5000);
    const { audit, entries: recorded } = recordingAudit(
      new AuditTrail(redis, { prefix, logger: createLogger('test', { level: 'silent' }), source: 'meldeplikt-router' })
    );
    const stepDeps: MeldepliktDeliveryDeps = { ...deps, recipientLimit: limit, deferAfterMs: 1000, audit };
    const { job, key } = await accept();
    const step = await deliverFromLedger(job, stepDeps);
    expect(step).toMatchObject({ kind: 'defer', endpoint: alesund, record: { state: 'queued', attempts: 0 } });
    // About the 5 s the line takes, spread by a fifth either way.
    expect(step.kind === 'defer' && step.delayMs >= 4000 && step.delayMs <= 6000).toBe(true);
    expect(seen).toHaveLength(0);
    expect(recorded).toEqual([]);
    expect(await ledger.get(key)).toMatchObject({ state: 'queued', attempts: 0, history: [{ state: 'queued' }] });

    await free();
    const again = await deliverFromLedger(job, stepDeps);
    expect(again.kind).toBe('done');
    expect(again.record).toMatchObject({ state: 'acknowledged', attempts: 1 });
    expect(seen).toHaveLength(1);
    expect(recorded.map((e) => e.event)).toEqual(['delivery.attempt', 'delivery.outcome']);
  }
);

test(
  "a job with the gateway's routing hints is deferred from them, before the ledger is read (a " +
    'bounce reads and decrypts nothing)',
  async () => {
    const { limit, free } = busyAlesund(5000);
    const { job, key } = await accept();
    const reads = jest.spyOn(ledger, 'getWithBodyBytes');
    try {
      const step = await deliverFromLedger(
        { ...job, homeKommune: '1508' },
        { ...deps, recipientLimit: limit, deferAfterMs: 1000 }
      );
      expect(step).toMatchObject({ kind: 'defer', endpoint: alesund });
      expect(step.record).toBeUndefined();
      expect(reads).not.toHaveBeenCalled();
      expect(seen).toHaveLength(0);
      // Once the line is short, the same job is read and delivered as usual.
      await free();
      const again = await deliverFromLedger(
        { ...job, homeKommune: '1508' },
        { ...deps, recipientLimit: limit, deferAfterMs: 1000 }
      );
      expect(reads).toHaveBeenCalledTimes(1);
      expect(again.record).toMatchObject({ state: 'acknowledged', attempts: 1 });
      expect(await ledger.get(key)).toMatchObject({ history: [{ state: 'queued' }, { state: 'acknowledged' }] });
    } finally {
      reads.mockRestore();
    }
  }
);

test('without deferAfterMs a delivery waits its turn however long the line', async () => {
  const { limit, free } = busyAlesund(60_000);
  const { job } = await accept();
  const step = deliverFromLedger(job, { ...deps, recipientLimit: limit });
  await new Promise((r) => setTimeout(r, 100));
  expect(seen).toHaveLength(0);
  expect(limit.waiting()).toBe(1);
  await free();
  expect((await step).record).toMatchObject({ state: 'acknowledged', attempts: 1 });
});
