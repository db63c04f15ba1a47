import { messagesReceivedCounter } from '@ipbro/service-kit';
import { randomUUID } from 'node:crypto';
import { acceptMessage } from './intake';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

let fx: ReturnType<typeof redisFixture>;
beforeAll(() => {
  fx = redisFixture();
});
afterAll(() => fx.close());

const received = async () =>
  (await messagesReceivedCounter().get()).values.find(
    (v) => v.labels.event === 'meldeplikt' && v.labels.sender === '997005562'
  )?.value ?? 0;

test(
  'ipbro_messages_received_total counts an accepted message once by event and sender; a repeat ' +
    'and a refusal are not counted',
  async () => {
    const deps = { ledger: fx.ledger, queues: fx.queues, now: NOW };
    const hmr = { orgnr: '997005562', scopes: ['ipbro:message.write'] };
    const before = await received();
    const b = fixture('meldeplikt');
    b.entry[0].resource.id = randomUUID();
    expect((await acceptMessage(b, hmr, deps)).status).toBe(202);
    expect((await acceptMessage(b, hmr, deps)).status).toBe(200);
    await expect(acceptMessage(b, { orgnr: '942953119', scopes: ['ipbro:message.write'] }, deps)).rejects.toMatchObject(
      {
        status: 403,
      }
    );
    expect(await received()).toBe(before + 1);
    expect(JSON.stringify((await messagesReceivedCounter().get()).values)).not.toContain(b.entry[0].resource.id);
  }
);
