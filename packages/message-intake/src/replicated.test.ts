import { Directory } from '@ipbro/directory';
import { OutcomeError } from '@ipbro/outcome';
import { replicaAck } from '@ipbro/redis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptMessage } from './intake';
import type { IntakeDeps } from './intake-deps';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

// The shared test Redis has no replica: a WAIT for one is answered 0 after its timeout, as when a
// replica is down or behind. What it means for a sender: 503, and the same id again is safe.
const directory = Directory.fromObject(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'))
);
const HMR = { orgnr: '997005562', scopes: ['ipbro:message.write'] };
const ALESUND = { orgnr: '942953119', scopes: ['ipbro:message.write'] };
let fx: ReturnType<typeof redisFixture>;
let deps: IntakeDeps;
let unconfirmed: IntakeDeps;

beforeAll(() => {
  fx = redisFixture();
  deps = { ledger: fx.ledger, queues: fx.queues, directory, now: NOW };
  unconfirmed = {
    ...deps,
    confirmReplicated: replicaAck(fx.redis, { minReplicas: 1, timeoutMs: 50, keyPrefix: fx.prefix }),
  };
});
afterAll(() => fx.close());

const meldeplikt = (id = randomUUID()) => {
  const b = fixture('meldeplikt');
  b.entry[0].resource.id = id;
  return b;
};
const refusal = async (p: Promise<unknown>): Promise<OutcomeError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(OutcomeError);
  return err as OutcomeError;
};

test('writes that reached too few replicas in time: 503, and the same id sent again is a repeat, queued once', async () => {
  const id = randomUUID();
  const err = await refusal(acceptMessage(meldeplikt(id), HMR, unconfirmed));
  expect(err.status).toBe(503);
  expect(err.outcome.issue?.[0]).toMatchObject({
    severity: 'error',
    code: 'transient',
    diagnostics:
      'The message store could not confirm that the message is kept on its replicas ' +
      '(the writes reached 0 of 1 replica within 50 ms). Send it again with the same id.',
  });
  // The primary has it; once the replicas confirm (here: none asked for), the retry is answered as a repeat.
  const jobs = await fx.jobCount();
  const again = await acceptMessage(meldeplikt(id), HMR, {
    ...deps,
    confirmReplicated: replicaAck(fx.redis, { minReplicas: 0, timeoutMs: 50, keyPrefix: fx.prefix }),
  });
  expect(again).toMatchObject({ status: 200, kind: 'repeat', record: { id, state: 'queued' } });
  expect(await fx.jobCount()).toBe(jobs);
});

test('a repeat and a receipt are confirmed too before they are answered; no primary at all is a 503 as well', async () => {
  const id = randomUUID();
  expect((await acceptMessage(meldeplikt(id), HMR, deps)).status).toBe(202);
  expect((await refusal(acceptMessage(meldeplikt(id), HMR, unconfirmed))).status).toBe(503);
  const receipt = fixture('receipt-ok');
  receipt.entry[0].resource.id = randomUUID();
  receipt.entry[0].resource.response = { identifier: id, code: 'ok' };
  const late = await refusal(acceptMessage(receipt, ALESUND, unconfirmed));
  expect(late.status).toBe(503);
  expect(late.outcome.issue?.[0].diagnostics).toContain('could not confirm that the receipt is kept');
  const gone = await refusal(
    acceptMessage(meldeplikt(), HMR, {
      ...deps,
      confirmReplicated: () => Promise.reject(new Error('Connection is closed.')),
    })
  );
  expect(gone.outcome.issue?.[0].diagnostics).toBe(
    'The message store could not confirm that the message is kept on its replicas (no Redis primary answered). ' +
      'Send it again with the same id.'
  );
});
