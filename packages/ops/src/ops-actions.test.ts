import { AuditTrail, type AuditInput } from '@ipbro/audit';
import { recordingAudit } from '@ipbro/audit/src/test-support/recording-audit';
import { requeueJobIdFor } from '@ipbro/message-ledger';
import { createLogger } from '@ipbro/service-kit';
import { createQueue, QUEUES } from '@ipbro/queues';
import { ActionRefused, OpsActions } from './ops-actions';
import { ALESUND, ledgerFixture } from './test-support/ledger-fixture';

const fx = ledgerFixture();
const settings = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 3 };
const meldeplikt = createQueue(QUEUES.meldeplikt, fx.redis, settings, fx.prefix);
const documents = createQueue(QUEUES.documents, fx.redis, settings, fx.prefix);
const actions = new OpsActions({
  ledger: fx.ledger,
  queues: { meldeplikt, documents },
  redis: fx.redis,
  prefix: fx.prefix,
});
const anne = { id: 'ops-anne', orgnr: '997005562' };

afterAll(async () => {
  await Promise.all([meldeplikt.obliterate({ force: true }), documents.obliterate({ force: true })]);
  await Promise.all([meldeplikt.close(), documents.close()]);
  await fx.close();
});

test(
  'retry: a dead message goes back to queued with fresh attempts and one new job with only routing ' +
    'data, even when clicked twice',
  async () => {
    const key = await fx.message(
      'r-1',
      [
        ['retrying', 'attempt 1 of 2: HTTP 503'],
        ['dead', 'attempts exhausted (2); last: HTTP 503'],
      ],
      ALESUND
    );
    const [a, b] = await Promise.allSettled([
      actions.retry(key, anne, 'kommune back up'),
      actions.retry(key, { id: 'ops-per' }),
    ]);
    const won = [a, b].filter((x) => x.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const record = await fx.ledger.get(key);
    expect(record).toMatchObject({ state: 'queued', attempts: 0 });
    expect(record?.history.at(-1)?.detail).toMatch(
      /^retried by ops-(anne \(997005562\): kommune back up|per) \(attempts were 2\)$/
    );
    const jobs = await meldeplikt.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data).toEqual({ key, messageId: 'r-1', sender: '997005562', event: 'meldeplikt' });
    expect(jobs[0].opts.attempts).toBe(3);
    const [entry] = await actions.recentActions();
    expect(entry).toMatchObject({ action: 'retry', key, messageId: 'r-1', result: 'queued' });
    expect(['ops-anne', 'ops-per']).toContain(entry.by);
  }
);

test('retry is refused for a message that is not dead or rejected, and for an unknown one', async () => {
  const key = await fx.message('r-2', [['delivered', 'HTTP 202']], ALESUND);
  await expect(actions.retry(key, anne)).rejects.toThrow(
    new ActionRefused('Only a dead or rejected message can be retried; r-2 is delivered', 409)
  );
  await expect(actions.retry('997005562:nope', anne)).rejects.toMatchObject({ status: 404 });
});

test('a rejected epikrise is retried on the documents queue', async () => {
  const key = await fx.message('r-3', [['rejected', 'HTTP 400: bad request']], ALESUND, 'epikrise');
  await actions.retry(key, anne);
  expect((await documents.getJobs(['waiting'])).map((j) => j.data.messageId)).toEqual(['r-3']);
});

test('re-drive: every unroutable message back to queued with a job, recorded with who', async () => {
  const k1 = await fx.message('u-1', [['unroutable', 'no recipient for kommune 9999']]);
  const k2 = await fx.message('u-2', [['unroutable', 'no recipient for kommune 9998']]);
  const moved = await actions.redriveUnroutable(anne);
  expect(moved.map((r) => r.key).sort()).toEqual([k1, k2].sort());
  expect((await fx.ledger.get(k1))?.history.at(-1)).toMatchObject({
    state: 'queued',
    detail: 're-driven by ops-anne (997005562)',
  });
  expect(await fx.ledger.listByState('unroutable')).toEqual([]);
  expect((await meldeplikt.getJobs(['waiting'])).map((j) => j.data.messageId)).toEqual(
    expect.arrayContaining(['u-1', 'u-2'])
  );
  expect(await actions.redriveUnroutable(anne)).toEqual([]);
  await expect(actions.redriveUnroutable(anne, k1)).rejects.toMatchObject({ status: 409 });
});

test('discard: needs a reason, ends the message dead and marked, refused for an acknowledged one', async () => {
  const key = await fx.message('d-1', [['retrying', 'attempt 1 of 3: HTTP 503']], ALESUND);
  await expect(actions.discard(key, anne, '  ')).rejects.toThrow('A discard needs a reason');
  const record = await actions.discard(key, anne, 'sent again by the hospital as a new message');
  expect(record).toMatchObject({
    state: 'dead',
    discarded: { by: 'ops-anne (997005562)', reason: 'sent again by the hospital as a new message' },
  });
  expect(record.history.at(-1)?.detail).toBe(
    'discarded by ops-anne (997005562): sent again by the hospital as a new message'
  );
  await expect(actions.discard(key, anne, 'again')).rejects.toThrow(/discarded already/);
  const acked = await fx.message(
    'd-2',
    [
      ['delivered', 'HTTP 202'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND
  );
  await expect(actions.discard(acked, anne, 'no')).rejects.toMatchObject({ status: 409 });
  expect((await actions.recentActions(1))[0]).toMatchObject({
    action: 'discard',
    by: 'ops-anne',
    orgnr: '997005562',
    reason: 'sent again by the hospital as a new message',
  });
});

test("every action is also written to the system's audit trail, with who did it", async () => {
  const { audit, entries: written } = recordingAudit(
    new AuditTrail(fx.redis, {
      prefix: fx.prefix,
      logger: createLogger('ops-test', { level: 'silent' }),
      source: 'ops-dashboard',
    })
  );
  const audited = new OpsActions({
    ledger: fx.ledger,
    queues: { meldeplikt, documents },
    redis: fx.redis,
    prefix: fx.prefix,
    audit,
  });
  const key = await fx.message('r-audit', [['dead', 'attempts exhausted (2); last: HTTP 503']], ALESUND);
  await audited.retry(key, { id: 'ola.operator', orgnr: '997005562' }, 'recipient is back');
  expect(written).toEqual([
    expect.objectContaining({
      event: 'operator.action',
      messageId: 'r-audit',
      outcome: 'success',
      who: { clientId: 'ola.operator', orgnr: '997005562' },
      detail: expect.stringMatching(/^retry: queued; recipient is back$/),
    }),
  ]);
});

test("an action's record lands in the same step as its ledger move, and a move that loses records nothing", async () => {
  const stream = `${fx.prefix}:trail`;
  const stored: string[] = [];
  const recordedApart: string[] = [];
  const trail = {
    record: async (input: AuditInput) => void recordedApart.push(input.messageId),
    prepare: (input: AuditInput) => ({
      append: { stream, maxLength: 100, text: JSON.stringify(input) },
      stored: (entryId: string) => void stored.push(entryId),
    }),
  };
  const audited = new OpsActions({
    ledger: fx.ledger,
    queues: { meldeplikt, documents },
    redis: fx.redis,
    prefix: fx.prefix,
    audit: trail,
  });
  const ola = { id: 'ola.operator', orgnr: '997005562' };
  const dead = await fx.message('t-retry', [['dead', 'attempts exhausted (2); last: HTTP 503']], ALESUND);
  const parked = await fx.message('t-redrive', [['unroutable', 'no recipient for kommune 9999']]);
  const live = await fx.message('t-discard', [['retrying', 'attempt 1 of 3: HTTP 503']], ALESUND);
  // Two operators at once: one move wins, and only its record is written.
  await Promise.allSettled([audited.retry(dead, ola, 'back up'), audited.retry(dead, { id: 'per' })]);
  await audited.redriveUnroutable(ola, parked);
  await audited.discard(live, ola, 'sent again');

  const entries = (await fx.redis.xrange(stream, '-', '+')).map(([id, fields]) => ({ id, ...JSON.parse(fields[1]) }));
  expect(entries.map((e) => [e.messageId, e.detail])).toEqual([
    ['t-retry', expect.stringMatching(/^retry: queued/)],
    ['t-redrive', 'redrive: queued'],
    ['t-discard', 'discard: dead (discarded); sent again'],
  ]);
  expect(stored).toEqual(entries.map((e) => e.id));
  expect(recordedApart).toEqual([]);
});

test(
  'a retry adds its job before the ledger move: one that dies between the two leaves a held job, ' +
    'and the next click releases that same job',
  async () => {
    const key = await fx.message('r-crash', [['dead', 'attempts exhausted (2); last: HTTP 503']], ALESUND);
    const dead = (await fx.ledger.get(key))!;
    const move = jest.spyOn(fx.ledger, 'move').mockRejectedValueOnce(new Error('Connection is closed.'));
    try {
      await expect(actions.retry(key, anne)).rejects.toThrow('Connection is closed.');
    } finally {
      move.mockRestore();
    }
    const held = await meldeplikt.getJob(requeueJobIdFor(dead));
    expect(await held?.getState()).toBe('delayed'); // if nobody clicks again, it runs when the hold ends and finds the message dead
    expect((await fx.ledger.get(key))?.state).toBe('dead');
    await actions.retry(key, anne, 'second try');
    expect((await fx.ledger.get(key))?.state).toBe('queued');
    expect(await held?.getState()).toBe('waiting');
    expect((await meldeplikt.getJobs(['waiting', 'delayed'])).filter((j) => j.data.key === key)).toHaveLength(1);
  }
);
