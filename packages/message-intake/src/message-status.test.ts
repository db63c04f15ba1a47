import { randomUUID } from 'node:crypto';
import { acceptMessage } from './intake';
import { messageStatus } from './message-status';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

let fx: ReturnType<typeof redisFixture>;
beforeAll(() => {
  fx = redisFixture();
});
afterAll(() => fx.close());

test('the sender and ops read the status; another organisation gets nothing', async () => {
  const b = fixture('meldeplikt');
  const id = randomUUID();
  b.entry[0].resource.id = id;
  await acceptMessage(b, { orgnr: '997005562', scopes: [] }, { ledger: fx.ledger, queues: fx.queues, now: NOW });
  const own = await messageStatus(id, { orgnr: '997005562', scopes: ['ipbro:message.read'] }, fx.ledger);
  expect(own).toMatchObject({
    id,
    event: 'meldeplikt',
    state: 'queued',
    attempts: 0,
    recipient: {},
    history: [{ state: 'queued' }],
  });
  expect(await messageStatus(id, { orgnr: '993467049', scopes: ['ipbro:message.read'] }, fx.ledger)).toBeUndefined();
  expect(await messageStatus(id, { orgnr: '993467049', scopes: ['ipbro:ops'] }, fx.ledger)).toMatchObject({
    id,
    state: 'queued',
  });
  expect(await messageStatus(randomUUID(), { orgnr: '997005562', scopes: ['ipbro:ops'] }, fx.ledger)).toBeUndefined();
});
