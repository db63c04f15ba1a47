import { startReceiver, type Receiver } from './support/receiver';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Faults on the recipient's side, with gateway and router as processes: a koordinerende enhet that
// flaps between up and down (connections refused while down), and one that takes messages but
// answers too late (the router times out). Every message ends acknowledged; a duplicate comes only
// where the recipient took a message and the router never heard so, and it carries a seen id.
const TIMEOUT_MS = 400;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  receiver = await startReceiver();
  rig = await startRig({ receiver, router: { DELIVERY_TIMEOUT_MS: TIMEOUT_MS, ROUTER_CONCURRENCY: 16 } });
}, 60000);

afterAll(async () => {
  await rig?.stop();
  await receiver?.close();
});

beforeEach(() => receiver.reset());

test('a receiver that flaps between up and down: 400 sent, 400 acknowledged, none lost, none delivered twice', async () => {
  const N = 400;
  receiver.setBehaviour(() => ({ kind: 'ok', delayMs: 5 }));
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  const flapping = receiver.flap(200, 300);
  const sent = await sendAll(rig.gateway.url, rig.token, messages, { concurrency: 8 });
  // Keep flapping a little after the last message was accepted, so the retries meet it too.
  while (flapping.downs() < 8) await new Promise((r) => setTimeout(r, 100));
  await flapping.stop();
  expect(sent.unexpected).toEqual([]);
  expect(sent.accepted).toBe(N);

  const records = await finalRecords(rig.ledger, ids, 60000);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  const retried = records.filter((r) => r.history.some((h) => h.state === 'retrying')).length;
  expect(retried).toBeGreaterThan(0); // the down periods did hit deliveries
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  // A refused connection carries nothing, and no recipient took a message unanswered: no duplicates.
  expect(summary.duplicates).toBe(0);
  expect(receiver.requestIdMismatch).toBe(0);
  process.stdout.write(`flapping receiver (${flapping.downs()} downs): sent ${N}, acknowledged ${records.length} (${retried} after a retry), ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates\n`);
}, 120000);

test('a receiver that times out: the router gives up on held requests and retries; 300 sent, 300 acknowledged, duplicates only of held ids', async () => {
  const N = 300;
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  // Every 4th message is taken but its answer held past the router's timeout, the first time only.
  const slow = new Set(ids.filter((_, i) => i % 4 === 0));
  receiver.setBehaviour((id, seen) => (slow.has(id) && seen === 0 ? { kind: 'hold', holdMs: TIMEOUT_MS * 4 } : { kind: 'ok', delayMs: 5 }));
  const sent = await sendAll(rig.gateway.url, rig.token, messages, { concurrency: 8 });
  expect(sent.unexpected).toEqual([]);
  expect(sent.accepted).toBe(N);

  const records = await finalRecords(rig.ledger, ids, 60000);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  for (const r of records) {
    const states = r.history.map((h) => h.state);
    // A held message was retried after its timeout; the others went straight through.
    expect(states).toEqual(slow.has(r.id) ? ['queued', 'retrying', 'acknowledged'] : ['queued', 'acknowledged']);
  }
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  expect(receiver.held).toBe(slow.size);
  // The recipient had each held message already: the retry is the one unavoidable duplicate, by its id.
  expect(summary.duplicates).toBe(slow.size);
  expect(new Set(receiver.duplicated())).toEqual(slow);
  expect(receiver.requestIdMismatch).toBe(0);
  process.stdout.write(`timing-out receiver: sent ${N}, acknowledged ${records.length}, ${slow.size} held past the ${TIMEOUT_MS} ms timeout and retried; ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates (each a held id)\n`);
}, 120000);
