import { randomUUID } from 'node:crypto';
import { messageStatus } from './message-status';
import { redisFixture } from './test-support/redis-fixture';

// A handover is complete only when the kommune acknowledges it; until then both sides can see it.
let fx: ReturnType<typeof redisFixture>;
beforeAll(() => {
  fx = redisFixture();
});
afterAll(() => fx.close());

async function stored(event: string): Promise<string> {
  const id = randomUUID();
  await fx.ledger.accept({
    sender: '997005562',
    id,
    event,
    body: '{}',
    recipient: { orgnr: '942953119', kommunenummer: '1508' },
    enqueue: async () => undefined,
  });
  await fx.ledger.move({ key: `997005562:${id}`, to: 'delivered', detail: 'HTTP 202, receipt to follow' });
  return id;
}

test("the receiving kommune can read a handover's status; not a plan copy's, and no third organisation either", async () => {
  const handover = await stored('koordinator-handover');
  const read = (orgnr: string, id: string) => messageStatus(id, { orgnr, scopes: ['ipbro:message.read'] }, fx.ledger);
  expect(await read('997005562', handover)).toMatchObject({ state: 'delivered', event: 'koordinator-handover' });
  expect(await read('942953119', handover)).toMatchObject({ state: 'delivered', event: 'koordinator-handover' });
  expect(await read('944305823', handover)).toBeUndefined();
  expect(await read('942953119', await stored('ip-plan-copy'))).toBeUndefined();
});
