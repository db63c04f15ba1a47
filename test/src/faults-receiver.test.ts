import { stopService } from './support/processes';
import { startReceiver, type Receiver } from './support/receiver';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Faults on the recipient's side, with gateway and router as processes: a koordinerende enhet that
// flaps between up and down (connections refused while down), and one that takes messages but
// answers too late (the router times out). Every message ends acknowledged; a duplicate comes only
// where the recipient took a message and the router never heard so, and it carries a seen id.
const TIMEOUT_MS = 1000;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  receiver = await startReceiver();
  // The router's own timeout is long here (5 s): only the test of a timing-out receiver shortens it.
  rig = await startRig({ receiver, router: { ROUTER_CONCURRENCY: 16 } });
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
  process.stdout.write(
    `flapping receiver (${flapping.downs()} downs): sent ${N}, acknowledged ${records.length} (${retried} after a retry), ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates\n`
  );
}, 120000);

test(
  'a receiver that times out: the router gives up on held requests and retries; 300 sent, 300 ' +
    'acknowledged, duplicates only where the router timed out',
  async () => {
    await stopService(rig.router);
    await rig.startRouter({ DELIVERY_TIMEOUT_MS: TIMEOUT_MS });
    const N = 300;
    const messages = Array.from({ length: N }, () => meldeplikt());
    const ids = messages.map((m) => m.id);
    // Every 4th message is taken but its answer held past the router's timeout, the first time only.
    const slow = new Set(ids.filter((_, i) => i % 4 === 0));
    receiver.setBehaviour((id, seen) =>
      slow.has(id) && seen === 0 ? { kind: 'hold', holdMs: TIMEOUT_MS * 3 } : { kind: 'ok', delayMs: 5 }
    );
    const sent = await sendAll(rig.gateway.url, rig.token, messages, { concurrency: 8 });
    expect(sent.unexpected).toEqual([]);
    expect(sent.accepted).toBe(N);

    const records = await finalRecords(rig.ledger, ids, 90000);
    expect(statesOf(records)).toEqual({ acknowledged: N });
    const timedOut = new Set(records.filter((r) => r.history.some((h) => h.state === 'retrying')).map((r) => r.id));
    // Every held message was retried after its timeout (and, on a slow machine, perhaps a few others).
    for (const id of slow) expect(timedOut.has(id)).toBe(true);
    const summary = receiverSummary(receiver, ids);
    expect(summary.missing).toEqual([]);
    expect(summary.strangers).toEqual([]);
    expect(summary.distinct).toBe(N);
    expect(receiver.held).toBe(slow.size);
    // The recipient had each held message already: the retry is an unavoidable duplicate, carrying an id
    // it has seen. Nothing else comes twice: a duplicate only where the router timed out.
    const duplicated = new Set(receiver.duplicated());
    for (const id of slow) expect(duplicated.has(id)).toBe(true);
    for (const id of duplicated) expect(timedOut.has(id)).toBe(true);
    expect(receiver.requestIdMismatch).toBe(0);
    process.stdout.write(
      `timing-out receiver: sent ${N}, acknowledged ${records.length}, ${slow.size} held past the ${TIMEOUT_MS} ms timeout, ${timedOut.size} retried; ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates (each of a timed-out delivery)\n`
    );
  },
  150000
);
