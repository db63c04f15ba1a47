import { eventually } from './support/processes';
import { startReceiver, type Receiver } from './support/receiver';
import { startOwnRedis, type OwnRedis } from './support/redis-server';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Fault: Redis itself SIGKILLed (a redis-server of the test's own, append-only file on) and started
// again on the same port while 1,000 meldeplikt are being accepted and delivered, then once more
// while the router works through the queue. The hospital posts
// again what got a 503 or no answer; a repeat of a message accepted before gets 200. Every message
// ends acknowledged: what the gateway answered 202 was durable, and the router picks up after the
// restart.
const N = 1000;
const CONCURRENCY = 16;
let redis: OwnRedis;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  redis = await startOwnRedis();
  // Each answer takes 80 ms: the router falls behind the intake, so a backlog waits in the queue.
  receiver = await startReceiver('1508', '942953119', () => ({ kind: 'ok', delayMs: 80 }));
  rig = await startRig({ redisUrl: redis.url, receiver, router: { ROUTER_CONCURRENCY: CONCURRENCY } });
}, 60000);

afterAll(async () => {
  await rig?.stop();
  await receiver?.close();
  await redis?.destroy();
});

test(`Redis SIGKILLed and restarted twice with ${N} meldeplikt in flight: ${N} sent, ${N} acknowledged, none lost`, async () => {
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  let killAt: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => {
    killAt = resolve;
  });
  let answered = 0;
  const sending = sendAll(rig.gateway.url, rig.token, messages, {
    concurrency: 16,
    timeoutMs: 5000,
    onAnswer: (done) => {
      answered = done;
      if (done >= N * 0.35) killAt?.();
    },
  });
  await reached;
  const kills = [`after ${Math.round(N * 0.35)} answers, ${receiver.counts.size} delivered`];
  await redis.kill();
  // Down long enough for every side to notice: requests in flight fail, workers lose their connections.
  await new Promise((r) => setTimeout(r, 1500));
  await redis.restart();
  // And once more while the router works through what is queued.
  await eventually(async () => (receiver.counts.size >= N * 0.7 ? true : undefined), 60000, `${N * 0.7} delivered`);
  kills.push(`after ${answered} answers, ${receiver.counts.size} delivered`);
  await redis.kill();
  await new Promise((r) => setTimeout(r, 1000));
  await redis.restart();
  const sent = await sending;

  expect(sent.unexpected).toEqual([]);
  expect(sent.firstTry200).toBe(0);
  expect(sent.accepted + sent.acceptedEarlier).toBe(N);
  expect(sent.retries).toBeGreaterThan(0); // the kill was felt by the sender

  const records = await finalRecords(rig.ledger, ids, 120000);
  // Neither service died with Redis, and both are ready again.
  expect(rig.gateway.child.exitCode).toBeNull();
  expect(rig.router?.child.exitCode).toBeNull();
  expect((await fetch(`${rig.gateway.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${rig.router!.url}/readyz`)).status).toBe(200);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  // A delivery whose outcome could not be written while Redis was down is made again: at most what
  // the router had in flight, at each kill.
  expect(summary.duplicates).toBeLessThanOrEqual(2 * CONCURRENCY);
  expect(receiver.requestIdMismatch).toBe(0);

  // The hospital posts every message once more (as after answers it never got): the seen marks
  // survived the restart, so each is a repeat answered 200 with its status, and nothing goes out again.
  const arrivalsBefore = receiver.arrivals.length;
  const again = await sendAll(rig.gateway.url, rig.token, messages, { concurrency: 16 });
  expect(again.statuses).toEqual({ 200: N });
  await new Promise((r) => setTimeout(r, 500));
  expect(receiver.arrivals.length).toBe(arrivalsBefore);
  process.stdout.write(
    `Redis SIGKILL x2 (${kills.join('; ')}): sent ${N}, accepted ${sent.accepted} + ${sent.acceptedEarlier} found accepted on retry, ` +
      `${sent.retries} retries by the hospital (${JSON.stringify(sent.statuses)}); acknowledged ${records.length}; recipient ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates\n`
  );
}, 200000);
