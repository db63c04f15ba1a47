import type { MessageView } from '@ipbro/fhir-message';
import { errorIssue, OutcomeError } from '@ipbro/outcome';
import { randomUUID } from 'node:crypto';
import { acceptMessage } from './intake';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

// The hook the gateway's document checks use (one plan per person): a refusal queues nothing.
const HMR = { orgnr: '997005562', scopes: ['ipbro:message.write'] };
let fx: ReturnType<typeof redisFixture>;
beforeAll(() => {
  fx = redisFixture();
});
afterAll(() => fx.close());

test('beforeAccept sees the valid message; when it refuses, the sender gets its answer and nothing is stored or queued', async () => {
  const seen: string[] = [];
  const refuse = async (view: MessageView) => {
    seen.push(view.event as string);
    throw new OutcomeError(409, [errorIssue('conflict', 'refused by the document check')]);
  };
  const b = fixture('epikrise');
  b.entry[0].resource.id = randomUUID();
  const before = { jobs: await fx.jobCount(), records: await fx.recordCount() };
  const err = await acceptMessage(b, HMR, {
    ledger: fx.ledger,
    queues: fx.queues,
    now: NOW,
    beforeAccept: refuse,
  }).then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(OutcomeError);
  expect((err as OutcomeError).status).toBe(409);
  expect(seen).toEqual(['epikrise']);
  expect({ jobs: await fx.jobCount(), records: await fx.recordCount() }).toEqual(before);
  const ok = await acceptMessage(b, HMR, {
    ledger: fx.ledger,
    queues: fx.queues,
    now: NOW,
    beforeAccept: async () => undefined,
  });
  expect(ok.status).toBe(202);
});

test('beforeAccept failing for want of Redis: 503, nothing queued', async () => {
  const b = fixture('epikrise');
  b.entry[0].resource.id = randomUUID();
  const err = await acceptMessage(b, HMR, {
    ledger: fx.ledger,
    queues: fx.queues,
    now: NOW,
    beforeAccept: async () => {
      throw new Error('Connection is closed.');
    },
  }).then(
    () => undefined,
    (e: unknown) => e
  );
  expect((err as OutcomeError).status).toBe(503);
});

test('beforeAccept crashing on a defect is not a 503 (the sender would retry for ever): the error goes on', async () => {
  const b = fixture('epikrise');
  b.entry[0].resource.id = randomUUID();
  const err = await acceptMessage(b, HMR, {
    ledger: fx.ledger,
    queues: fx.queues,
    now: NOW,
    beforeAccept: async () => {
      throw new TypeError('system.match is not a function');
    },
  }).then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(TypeError);
  expect(await fx.ledger.get(`${HMR.orgnr}:${b.entry[0].resource.id}`)).toBeUndefined();
});
