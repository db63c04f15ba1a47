import { Directory } from '@ipbro/directory';
import { AnswerStore, BodyCipher } from '@ipbro/message-ledger';
import { OutcomeError } from '@ipbro/outcome';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptMessage } from './intake';
import type { AuditInput } from '@ipbro/audit';
import type { IntakeDeps } from './intake-deps';
import { meldepliktAnswerCheck } from './meldeplikt-answer';
import { messageStatus } from './message-status';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

const directory = Directory.fromObject(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'))
);
const HMR = { orgnr: '997005562', scopes: ['ipbro:message.write', 'ipbro:message.read'] };
const ALESUND = { orgnr: '942953119', scopes: ['ipbro:message.write', 'ipbro:message.read'] };
const MOLDE = { orgnr: '944305823', scopes: ['ipbro:message.write', 'ipbro:message.read'] };
const ALESUND_KE = {
  kind: 'koordinerende-enhet' as const,
  kommunenummer: '1508',
  orgnr: '942953119',
  name: 'Ålesund kommune',
  herId: '8110021',
};
let fx: ReturnType<typeof redisFixture>;
let answers: AnswerStore;
let deps: IntakeDeps;
const audited: AuditInput[] = [];

beforeAll(() => {
  fx = redisFixture();
  answers = new AnswerStore(fx.redis, { prefix: fx.prefix, cipher: new BodyCipher(randomBytes(32)) });
  const audit = { record: async (e: AuditInput) => void audited.push(e) };
  deps = {
    ledger: fx.ledger,
    queues: fx.queues,
    directory,
    now: NOW,
    beforeAccept: meldepliktAnswerCheck({ ledger: fx.ledger, answers, directory, audit }),
  };
});
afterAll(() => fx.close());

/** A meldeplikt from HMR the router delivered to Ålesund's koordinerende enhet, which took it. */
async function deliveredMeldeplikt(): Promise<string> {
  const b = fixture('meldeplikt');
  const id = randomUUID();
  b.entry[0].resource.id = id;
  expect((await acceptMessage(b, HMR, deps)).status).toBe(202);
  await fx.ledger.move({
    key: `997005562:${id}`,
    to: 'acknowledged',
    detail: 'receipt ok',
    patch: { attempts: 1, recipient: ALESUND_KE },
  });
  return id;
}

/** The contract's svar, answering `meldeplikt`, from `orgnr` (the sending Organization's organisasjonsnummer). */
function svar(meldeplikt: string, orgnr = '942953119', change?: (task: any) => void) {
  const b = fixture('meldeplikt-svar');
  b.entry[0].resource.id = randomUUID();
  b.entry[1].resource.basedOn[0].identifier.value = `urn:uuid:${meldeplikt}`;
  b.entry[5].resource.identifier[0].value = orgnr;
  change?.(b.entry[1].resource);
  return b;
}

const refusal = async (p: Promise<unknown>): Promise<OutcomeError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(OutcomeError);
  return err as OutcomeError;
};

test("the receiving kommune answers: the svar goes back to the sender's source.endpoint, the status shows the answer", async () => {
  const meldeplikt = await deliveredMeldeplikt();
  expect((await fx.ledger.get(`997005562:${meldeplikt}`))?.sourceEndpoint).toBe('http://hmr.example.test/fhir');
  const answer = svar(meldeplikt);
  const id = answer.entry[0].resource.id;
  expect(await acceptMessage(answer, ALESUND, deps)).toMatchObject({ status: 202, location: `/messages/${id}` });
  const job = await fx.queues.meldeplikt.getJob(`942953119_${id}`);
  expect(job?.data).toMatchObject({
    key: `942953119:${id}`,
    event: 'meldeplikt-svar',
    replyTo: { orgnr: '997005562', endpoint: 'http://hmr.example.test/fhir' },
  });
  expect((await fx.ledger.get(`942953119:${id}`))?.recipient).toEqual({
    kind: 'sender',
    orgnr: '997005562',
    name: 'Helse Møre og Romsdal HF',
    endpoint: 'http://hmr.example.test/fhir',
  });

  const status = await messageStatus(meldeplikt, HMR, fx.ledger, undefined, answers);
  expect(status?.answer).toEqual({
    status: 'completed',
    at: '2026-11-23T09:25:00+01:00',
    koordinator: {
      name: 'Ingrid Hansen',
      telecom: [
        { system: 'phone', value: '+47 70 16 20 00' },
        { system: 'email', value: 'koordinator@alesund.example.test' },
      ],
    },
  });
  // Ops see that it was answered and when, never by whom: not even an ops token of the sender's organisation.
  for (const ops of [
    { orgnr: '123456785', scopes: ['ipbro:ops'] },
    { orgnr: '997005562', scopes: ['ipbro:ops', 'ipbro:message.read'] },
  ]) {
    const seen = await messageStatus(meldeplikt, ops, fx.ledger, undefined, answers);
    expect(seen?.answer).toEqual({ status: 'completed', at: '2026-11-23T09:25:00+01:00' });
    expect(JSON.stringify(seen)).not.toContain('Ingrid');
  }
  // The svar's own status (the kommune reads it) has no answer of its own.
  expect((await messageStatus(id, ALESUND, fx.ledger, undefined, answers))?.answer).toBeUndefined();
});

test('a kommune that did not receive the meldeplikt is refused (403) and nothing changes', async () => {
  const meldeplikt = await deliveredMeldeplikt();
  expect((await acceptMessage(svar(meldeplikt), ALESUND, deps)).status).toBe(202);
  const before = {
    jobs: await fx.jobCount(),
    records: await fx.recordCount(),
    answer: await answers.read(`997005562:${meldeplikt}`),
  };
  const molde = svar(meldeplikt, '944305823', (t) => {
    t.status = 'rejected';
    t.statusReason = { text: 'feil kommune' };
    t.authoredOn = '2026-11-24T08:00:00+01:00';
  });
  const err = await refusal(acceptMessage(molde, MOLDE, deps));
  expect(err.status).toBe(403);
  expect(err.outcome.issue?.[0].diagnostics).toBe(
    `Meldeplikt ${meldeplikt} was not sent to organisation 944305823: only the kommune that received it may answer it`
  );
  expect({
    jobs: await fx.jobCount(),
    records: await fx.recordCount(),
    answer: await answers.read(`997005562:${meldeplikt}`),
  }).toEqual(before);
  expect(await fx.ledger.get(`944305823:${molde.entry[0].resource.id}`)).toBeUndefined();
  expect(audited.at(-1)).toMatchObject({
    event: 'message.refused',
    messageId: meldeplikt,
    who: { orgnr: '944305823' },
    outcome: 'serious-failure',
  });
  // The sender itself is no kommune that received it either.
  expect((await refusal(acceptMessage(svar(meldeplikt, '997005562'), HMR, deps))).status).toBe(403);
});

test('an answer to a meldeplikt IP-bro never carried is 422, pointing at Task.basedOn', async () => {
  const err = await refusal(acceptMessage(svar(randomUUID()), ALESUND, deps));
  expect(err.status).toBe(422);
  expect(err.outcome.issue?.[0]).toMatchObject({
    code: 'not-found',
    expression: ['Bundle.entry[1].resource.basedOn[0].identifier.value'],
  });
});

test('a rejection shows its reason to the sender; a later correction replaces it, a repeat of the older one does not', async () => {
  const meldeplikt = await deliveredMeldeplikt();
  const rejected = svar(meldeplikt, '942953119', (t) => {
    t.status = 'rejected';
    t.statusReason = { text: 'Personen har takket nei til koordinator' };
    delete t.output;
  });
  expect((await acceptMessage(rejected, ALESUND, deps)).status).toBe(202);
  expect((await messageStatus(meldeplikt, HMR, fx.ledger, undefined, answers))?.answer).toEqual({
    status: 'rejected',
    at: '2026-11-23T09:25:00+01:00',
    reason: 'Personen har takket nei til koordinator',
  });
  const correction = svar(meldeplikt, '942953119', (t) => (t.authoredOn = '2026-11-23T15:00:00+01:00'));
  expect((await acceptMessage(correction, ALESUND, deps)).status).toBe(202);
  expect((await acceptMessage(rejected, ALESUND, deps)).status).toBe(200);
  expect((await messageStatus(meldeplikt, HMR, fx.ledger, undefined, answers))?.answer).toMatchObject({
    status: 'completed',
    at: '2026-11-23T15:00:00+01:00',
    koordinator: { name: 'Ingrid Hansen' },
  });
});

test('without a source.endpoint on the meldeplikt, the svar carries only the organisation: the router asks the directory', async () => {
  const b = fixture('meldeplikt');
  const meldeplikt = randomUUID();
  b.entry[0].resource.id = meldeplikt;
  b.entry[0].resource.source.endpoint = 'urn:ipbro:no-http-here';
  expect((await acceptMessage(b, HMR, deps)).status).toBe(202);
  await fx.ledger.move({
    key: `997005562:${meldeplikt}`,
    to: 'acknowledged',
    detail: 'receipt ok',
    patch: {
      attempts: 1,
      recipient: ALESUND_KE,
    },
  });
  const answer = svar(meldeplikt);
  expect((await acceptMessage(answer, ALESUND, deps)).status).toBe(202);
  expect((await fx.queues.meldeplikt.getJob(`942953119_${answer.entry[0].resource.id}`))?.data.replyTo).toEqual({
    orgnr: '997005562',
  });
});
