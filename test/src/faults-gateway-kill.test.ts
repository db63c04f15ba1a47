import { stopService } from './support/processes';
import { startReceiver, type Receiver } from './support/receiver';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Fault: the gateway SIGKILLed twice while the hospital posts, and started again on its port. Posts
// in flight get no answer (reset, then refused while it is down); the hospital posts them again, as
// a real sender would. A message the dead gateway had already made durable is found on the retry
// (200), any other is accepted then (202): each message once, and delivered once.
const N = 600;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  receiver = await startReceiver('1508', '942953119', () => ({ kind: 'ok', delayMs: 5 }));
  rig = await startRig({ receiver });
}, 60000);

afterAll(async () => {
  await rig?.stop();
  await receiver?.close();
});

test(`gateway SIGKILLed twice while ${N} meldeplikt are posted: the hospital's retries of unanswered posts lose nothing, and nothing goes out twice`, async () => {
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  const marks = [Math.floor(N / 3), Math.floor((2 * N) / 3)];
  const reached: (() => void)[] = [];
  const at = marks.map(
    (_, i) =>
      new Promise<void>((resolve) => {
        reached[i] = resolve;
      })
  );
  const sending = sendAll(rig.gateway.url, rig.token, messages, {
    concurrency: 16,
    timeoutMs: 10000,
    onAnswer: (done) => marks.forEach((m, i) => done >= m && reached[i]()),
  });
  for (const mark of at) {
    await mark;
    await stopService(rig.gateway, 'SIGKILL');
    expect(rig.gateway.child.signalCode).toBe('SIGKILL');
    await rig.restartGateway();
  }
  const sent = await sending;
  expect(sent.unexpected).toEqual([]);
  expect(sent.firstTry200).toBe(0);
  expect(sent.accepted + sent.acceptedEarlier).toBe(N);
  expect(sent.statuses['no answer']).toBeGreaterThan(0); // the kills were felt

  const records = await finalRecords(rig.ledger, ids, 60000);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  // One record per message, with one 'queued' in its history: no message was accepted twice.
  for (const r of records) expect(r.history.filter((h) => h.state === 'queued')).toHaveLength(1);
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  // The gateway's death costs no second delivery: the ledger knows every id it made durable.
  expect(summary.duplicates).toBe(0);
  process.stdout.write(
    `gateway SIGKILL x2: sent ${N}, accepted ${sent.accepted} + ${sent.acceptedEarlier} found accepted on retry, ${sent.retries} retries (${JSON.stringify(sent.statuses)}); acknowledged ${records.length}; ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates\n`
  );
}, 120000);
