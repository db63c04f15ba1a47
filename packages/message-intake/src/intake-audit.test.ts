import { AuditTrail, type AuditInput } from '@ipbro/audit';
import { recordingAudit } from '@ipbro/audit/src/test-support/recording-audit';
import { Directory } from '@ipbro/directory';
import { createLogger } from '@ipbro/service-kit';
import { personNumberOf, readMessage } from '@ipbro/fhir-message';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptMessage } from './intake';
import type { IntakeDeps } from './intake-deps';
import { messageStatus } from './message-status';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

// What intake tells the audit trail, on a real ledger; the trail here collects the entries.
const directory = Directory.fromObject(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'))
);
const HMR = { orgnr: '997005562', clientId: 'hmr-dips', scopes: ['ipbro:message.write', 'ipbro:message.read'] };
const ALESUND = { orgnr: '942953119', clientId: 'alesund-ke', scopes: ['ipbro:message.write', 'ipbro:message.read'] };
let trail: AuditInput[];
let fx: ReturnType<typeof redisFixture>;
let deps: IntakeDeps;

beforeAll(() => {
  fx = redisFixture();
});
afterAll(() => fx.close());
beforeEach(() => {
  const recording = recordingAudit(
    new AuditTrail(fx.redis, {
      prefix: fx.prefix,
      logger: createLogger('intake-test', { level: 'silent' }),
      source: 'gateway',
    })
  );
  trail = recording.entries;
  deps = { ledger: fx.ledger, queues: fx.queues, directory, now: NOW, audit: recording.audit };
});

/** The system's trail, watched: `appended` holds the ids of the entries that landed with a ledger write. */
function watchedTrail() {
  const system = new AuditTrail(fx.redis, {
    prefix: fx.prefix,
    logger: createLogger('intake-test', { level: 'silent' }),
    source: 'gateway',
  });
  const appended: string[] = [];
  const watched = {
    record: system.record.bind(system),
    prepare: (e: AuditInput) => {
      const prepared = system.prepare(e);
      return {
        ...prepared,
        stored: (entryId: string) => {
          appended.push(entryId);
          return prepared.stored(entryId);
        },
      };
    },
  };
  return { system, watched, appended };
}

const meldeplikt = (id = randomUUID()) => {
  const b = fixture('meldeplikt');
  b.entry[0].resource.id = id;
  return b;
};

test('receipt of a message, then the same id again: who, what (with the patient for the trail to hash), outcome', async () => {
  const id = randomUUID();
  const bundle = meldeplikt(id);
  const fnr = personNumberOf(readMessage(bundle).patient!.resource)!.value;
  await acceptMessage(bundle, HMR, deps);
  await acceptMessage(meldeplikt(id), HMR, deps);
  expect(trail).toEqual([
    {
      event: 'message.received',
      messageId: id,
      outcome: 'success',
      who: { clientId: 'hmr-dips', orgnr: '997005562' },
      sender: '997005562',
      messageEvent: 'meldeplikt',
      recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' },
      personNumber: fnr,
      detail: 'queued',
    },
    expect.objectContaining({
      event: 'message.repeat',
      messageId: id,
      outcome: 'success',
      detail: 'seen before (queued)',
    }),
  ]);
});

test("another organisation posting in the sender's name is recorded as a serious failure", async () => {
  const id = randomUUID();
  await expect(acceptMessage(meldeplikt(id), ALESUND, deps)).rejects.toMatchObject({ status: 403 });
  expect(trail).toEqual([
    expect.objectContaining({
      event: 'message.refused',
      messageId: id,
      outcome: 'serious-failure',
      who: { clientId: 'alesund-ke', orgnr: '942953119' },
      sender: '997005562',
    }),
  ]);
});

test('a receipt is recorded against the message it answers, with the answering organisation', async () => {
  const id = randomUUID();
  await acceptMessage(meldeplikt(id), HMR, deps);
  const r = fixture('receipt-ok');
  r.entry[0].resource.id = randomUUID();
  r.entry[0].resource.response = { identifier: id, code: 'ok' };
  await acceptMessage(r, ALESUND, deps);
  expect(trail[1]).toEqual({
    event: 'receipt.received',
    messageId: id,
    outcome: 'success',
    who: { clientId: 'alesund-ke', orgnr: '942953119' },
    sender: '997005562',
    messageEvent: 'meldeplikt',
    recipient: expect.objectContaining({ orgnr: '942953119' }),
    detail: 'receipt ok (message acknowledged)',
  });
});

test(
  "a receipt's record lands in the same Redis step as its ledger move; a second receipt for a " +
    'final message is recorded on its own',
  async () => {
    const { system, watched, appended } = watchedTrail();
    const id = randomUUID();
    await acceptMessage(meldeplikt(id), HMR, deps);
    const r = fixture('receipt-ok');
    r.entry[0].resource.id = randomUUID();
    r.entry[0].resource.response = { identifier: id, code: 'ok' };
    await acceptMessage(r, ALESUND, { ...deps, audit: watched });
    r.entry[0].resource.id = randomUUID();
    r.entry[0].resource.response = { identifier: id, code: 'fatal-error' };
    await acceptMessage(r, ALESUND, { ...deps, audit: watched });
    const receipts = (await system.forMessage(id)).filter((x) => x.event === 'receipt.received');
    expect(receipts.map((x) => x.detail)).toEqual([
      'receipt ok (message acknowledged)',
      'receipt fatal-error (message acknowledged)',
    ]);
    expect(appended).toEqual([receipts[0].id]);
    expect((await fx.ledger.get(`997005562:${id}`))?.state).toBe('acknowledged');
  }
);

test("status reads are recorded, a read of someone else's id as a minor failure", async () => {
  const id = randomUUID();
  await acceptMessage(meldeplikt(id), HMR, deps);
  trail.length = 0;
  expect(await messageStatus(id, HMR, fx.ledger, deps.audit)).toBeDefined();
  expect(await messageStatus(id, ALESUND, fx.ledger, deps.audit)).toBeUndefined();
  expect(trail).toEqual([
    {
      event: 'status.read',
      messageId: id,
      outcome: 'success',
      who: { clientId: 'hmr-dips', orgnr: '997005562' },
      sender: '997005562',
      messageEvent: 'meldeplikt',
      detail: 'queued',
    },
    {
      event: 'status.read',
      messageId: id,
      outcome: 'minor-failure',
      who: { clientId: 'alesund-ke', orgnr: '942953119' },
      detail: 'not found for this reader',
    },
  ]);
  // An id nobody sent: recorded, but not indexed under that id.
  await messageStatus('no-such-id', ALESUND, fx.ledger, deps.audit);
  expect(trail[2]).toMatchObject({
    event: 'status.read',
    messageId: 'no-such-id',
    outcome: 'minor-failure',
    indexByMessage: false,
  });
});

test("with the system's trail, the receipt of a message is appended with its seen mark, and a repeat on its own", async () => {
  const { system, watched, appended } = watchedTrail();
  const id = randomUUID();
  await acceptMessage(meldeplikt(id), HMR, { ...deps, audit: watched });
  await acceptMessage(meldeplikt(id), HMR, { ...deps, audit: watched });
  const records = await system.forMessage(id);
  expect(records.map((r) => [r.event, r.detail])).toEqual([
    ['message.received', 'queued'],
    ['message.repeat', 'seen before (queued)'],
  ]);
  // The first was written by the ledger's accept (one step with the seen mark), the repeat by the trail itself.
  expect(appended).toEqual([records[0].id]);
});
