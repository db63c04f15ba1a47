import { Directory } from '@ipbro/directory';
import { MessageLedger } from '@ipbro/message-ledger';
import { OutcomeError } from '@ipbro/outcome';
import { createRedisConnection, singleRedisConfig } from '@ipbro/redis';
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
let fx: ReturnType<typeof redisFixture>;
let deps: IntakeDeps;

beforeAll(() => {
  fx = redisFixture();
  deps = { ledger: fx.ledger, queues: fx.queues, directory, now: NOW };
});
afterAll(() => fx.close());

const meldeplikt = (id = randomUUID()) => {
  const b = fixture('meldeplikt');
  b.entry[0].resource.id = id;
  return b;
};
const rejection = async (p: Promise<unknown>): Promise<OutcomeError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(OutcomeError);
  return err as OutcomeError;
};

test('a meldeplikt is queued once with the recipient the directory names; the same id again answers its status', async () => {
  const id = randomUUID();
  const first = await acceptMessage(meldeplikt(id), HMR, deps);
  expect(first).toMatchObject({ status: 202, location: `/messages/${id}` });
  const job = await fx.queues.meldeplikt.getJob(`997005562_${id}`);
  expect(job?.data).toEqual({
    key: `997005562:${id}`,
    messageId: id,
    sender: '997005562',
    event: 'meldeplikt',
    homeKommune: '1508',
  });
  const record = await fx.ledger.get(`997005562:${id}`);
  expect(record).toMatchObject({
    state: 'queued',
    recipient: {
      kommunenummer: '1508',
      orgnr: '942953119',
      herId: '8110021',
      endpoint: 'http://127.0.0.1:4101/kommune/1508/ke',
    },
  });
  expect(JSON.parse((await fx.ledger.body(`997005562:${id}`)) as string).entry[0].resource.id).toBe(id);

  const before = await fx.jobCount();
  const again = await acceptMessage(meldeplikt(id), HMR, deps);
  expect(again).toMatchObject({ status: 200, kind: 'repeat', body: { id, state: 'queued', event: 'meldeplikt' } });
  expect(await fx.jobCount()).toBe(before);
});

test('documents go to the documents queue', async () => {
  const b = fixture('epikrise');
  b.entry[0].resource.id = randomUUID();
  const r = await acceptMessage(b, HMR, deps);
  expect(r.status).toBe(202);
  expect(await fx.queues.documents.getJob(`997005562_${b.entry[0].resource.id}`)).toBeDefined();
  expect(await fx.queues.meldeplikt.getJob(`997005562_${b.entry[0].resource.id}`)).toBeUndefined();
});

test('not a message: 400; a broken rule: 422 with the place; another organisation: 403; nothing is stored', async () => {
  const before = { jobs: await fx.jobCount(), records: await fx.recordCount() };
  expect((await rejection(acceptMessage({ resourceType: 'Patient' }, HMR, deps))).status).toBe(400);
  const bad = meldeplikt();
  bad.entry[2].resource.identifier[0].value = '12830551211';
  const invalid = await rejection(acceptMessage(bad, HMR, deps));
  expect(invalid.status).toBe(422);
  expect(
    invalid.outcome.issue?.some((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[2].resource.identifier')))
  ).toBe(true);
  const foreign = await rejection(
    acceptMessage(meldeplikt(), { orgnr: '993467049', scopes: ['ipbro:message.write'] }, deps)
  );
  expect(foreign.status).toBe(403);
  expect(JSON.stringify(foreign.outcome)).toContain('is not the MessageHeader.sender (997005562)');
  expect((await rejection(acceptMessage(meldeplikt(), { scopes: [] }, deps))).status).toBe(403);
  expect({ jobs: await fx.jobCount(), records: await fx.recordCount() }).toEqual(before);
});

test('when the job cannot be queued the answer is 503 and no seen mark is left: the retry is accepted', async () => {
  const id = randomUUID();
  const broken = {
    ...deps,
    queues: {
      ...fx.queues,
      meldeplikt: {
        add: async () => {
          throw new Error('Connection is closed.');
        },
      },
    },
  };
  const err = await rejection(acceptMessage(meldeplikt(id), HMR, broken));
  expect(err.status).toBe(503);
  expect(await fx.ledger.get(`997005562:${id}`)).toBeUndefined();
  expect((await acceptMessage(meldeplikt(id), HMR, deps)).status).toBe(202);
});

test('with Redis unreachable the answer is 503, not a 500 and never a 202', async () => {
  const dead = createRedisConnection(singleRedisConfig('redis://127.0.0.1:1'), 'producer');
  try {
    const ledger = new MessageLedger(dead, { prefix: fx.prefix });
    const err = await rejection(acceptMessage(meldeplikt(), HMR, { ...deps, ledger }));
    expect(err.status).toBe(503);
    expect(err.outcome.issue?.[0]).toMatchObject({ severity: 'error', code: 'transient' });
  } finally {
    dead.disconnect();
  }
});
