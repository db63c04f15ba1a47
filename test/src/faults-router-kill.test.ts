import { eventually, stopService } from './support/processes';
import { startReceiver, type Receiver } from './support/receiver';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Fault: the meldeplikt-router SIGKILLed twice while it delivers. The jobs it held are taken over
// (their locks lapse) by the router started in its place; every message ends acknowledged, and the
// only duplicates are deliveries that were in flight when a router died, each with an id the
// recipient has already seen.
const N = 600;
const CONCURRENCY = 16;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  // Each answer takes 60 ms, so the run lasts long enough to kill the router twice in the middle.
  receiver = await startReceiver('1508', '942953119', () => ({ kind: 'ok', delayMs: 60 }));
  rig = await startRig({ receiver, router: { ROUTER_CONCURRENCY: CONCURRENCY } });
}, 60000);

afterAll(async () => {
  await rig?.stop();
  await receiver?.close();
});

test(`router SIGKILLed twice during a run of ${N} meldeplikt: ${N} sent, ${N} acknowledged, none lost`, async () => {
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  const sending = sendAll(rig.gateway.url, rig.token, messages, { concurrency: 8 });
  const kills: number[] = [];
  for (const at of [Math.floor(N / 3), Math.floor((2 * N) / 3)]) {
    await eventually(async () => (receiver.counts.size >= at ? true : undefined), 60000, `${at} messages delivered`);
    kills.push(receiver.counts.size);
    await stopService(rig.router, 'SIGKILL');
    expect(rig.router?.child.signalCode).toBe('SIGKILL');
    await rig.startRouter();
  }
  const sent = await sending;
  expect(sent.unexpected).toEqual([]);
  expect(sent.firstTry200).toBe(0);
  expect(sent.accepted + sent.acceptedEarlier).toBe(N);

  const records = await finalRecords(rig.ledger, ids, 90000);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  // Only what was in flight at the two kills can come twice: at most the router's concurrency each time.
  expect(summary.duplicates).toBeLessThanOrEqual(2 * CONCURRENCY);
  expect(receiver.requestIdMismatch).toBe(0);
  expect(receiver.malformed).toBe(0);
  process.stdout.write(
    `router SIGKILL x2 (at ${kills.join(' and ')} delivered): sent ${N}, accepted ${sent.accepted} (+${sent.acceptedEarlier} on retry), acknowledged ${records.length}, ` +
      `recipient saw ${summary.distinct} distinct ids in ${summary.arrivals} arrivals: ${summary.duplicates} duplicates, each an id it had seen\n`
  );
}, 180000);
