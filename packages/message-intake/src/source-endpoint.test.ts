import { randomUUID } from 'node:crypto';
import { acceptMessage } from './intake';
import type { IntakeDeps } from './intake-deps';
import { fixture, NOW, redisFixture } from './test-support/redis-fixture';

const HMR = { orgnr: '997005562', scopes: ['ipbro:message.write'] };
let fx: ReturnType<typeof redisFixture>;
let deps: IntakeDeps;
beforeAll(() => {
  fx = redisFixture();
  deps = { ledger: fx.ledger, queues: fx.queues, now: NOW };
});
afterAll(() => fx.close());

async function accepted(endpoint: string) {
  const b = fixture('meldeplikt');
  const id = randomUUID();
  b.entry[0].resource.id = id;
  b.entry[0].resource.source.endpoint = endpoint;
  expect((await acceptMessage(b, HMR, deps)).status).toBe(202);
  return `997005562:${id}`;
}

test('an http(s) source.endpoint is kept on the record; anything else is left out, and the message still moves', async () => {
  expect((await fx.ledger.get(await accepted('https://dips.hmr.example.test/fhir')))?.sourceEndpoint).toBe(
    'https://dips.hmr.example.test/fhir'
  );
  // A lone surrogate would make the record unreadable to the ledger's Lua (cjson): the message could never move.
  for (const odd of [
    'urn:ipbro:sim:hospital',
    'http://hmr.example.test/\ud800',
    'http://hmr.example.test/sjukehus-Ålesund',
  ]) {
    const key = await accepted(odd);
    expect((await fx.ledger.get(key))?.sourceEndpoint).toBeUndefined();
    await expect(fx.ledger.move({ key, to: 'delivered', detail: 'HTTP 202' })).resolves.toMatchObject({
      record: { state: 'delivered' },
    });
  }
});
