import { FINAL_STATES, ledgerKey, type MessageRecord } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { ask, startSentinelSet, until, type SentinelSet } from '@ipbro/redis/src/test-support/redis-processes';
import { startReceiver, type Receiver } from './support/receiver';
import { HOSPITAL_ORGNR, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Fault: the Redis primary SIGKILLed once (no persistence: what it had not passed on is gone) while
// 1,000 meldeplikt are accepted and delivered by a gateway and a router on Sentinel (a primary, a
// replica, three sentinels). The sentinels promote the replica; the old primary comes back empty and
// becomes its replica. The hospital posts again what got a 503 or no answer.
// With REDIS_MIN_REPLICAS_ACK=1 a 202 means the replica had the message: every one is delivered and
// acknowledged. With 0 the gateway answers as soon as the primary has it, and what the replica had
// not yet received when the primary died is lost, though the hospital got its 202.
const N = 1000;
const CONCURRENCY = 16;
let set: SentinelSet;
let receiver: Receiver | undefined;
let rig: Rig | undefined;

// One Sentinel set for both tests: the second kills whichever is primary after the first.
beforeAll(async () => {
  set = await startSentinelSet();
}, 60000);

afterEach(async () => {
  await rig?.stop().catch(() => undefined);
  await receiver?.close();
  rig = receiver = undefined;
});

afterAll(async () => {
  await set?.stop();
});

/** Every message settled: in a final state, or gone from Redis altogether, with no job left to run. */
async function settled(r: Rig, ids: string[], ms: number): Promise<(MessageRecord | undefined)[]> {
  const queue = createQueue(QUEUES.meldeplikt, r.redis, { firstDelayMs: 100, ceilingMs: 500, attempts: 0 }, r.prefix);
  try {
    let quiet = 0;
    return await until('every message final or gone, and the queue empty', ms, async () => {
      const records = await Promise.all(ids.map((id) => r.ledger.get(ledgerKey(HOSPITAL_ORGNR, id))));
      const open = records.filter((rec) => rec && !FINAL_STATES.includes(rec.state)).length;
      const jobs = Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce(
        (a, b) => a + b,
        0
      );
      quiet = open === 0 && jobs === 0 ? quiet + 1 : 0;
      // Twice in a row, a second apart: a stalled job is not yet counted as waiting the first time.
      if (quiet < 2) await new Promise((res) => setTimeout(res, 1000));
      return quiet >= 2 ? records : undefined;
    });
  } finally {
    await queue.close();
  }
}

/** Each server's role and its replicas as INFO replication says: what a stuck failover left. */
async function replicationOf(...ports: number[]): Promise<string> {
  const said = await Promise.all(
    ports.map(async (port) => {
      const info = (await ask(port, 'INFO', 'replication')) ?? 'no answer';
      const lines = info.split(/\r?\n/).filter((l) => /^(role|connected_slaves|slave\d|master_link_status)/.test(l));
      return `:${port} ${lines.join(' ') || info}`;
    })
  );
  return said.join('; ');
}

async function failoverRun(minReplicasAck: 0 | 1) {
  const began = Date.now();
  await set.ready();
  const primaryPort = await set.primaryPort();
  const [primary, replica] = primaryPort === set.primary.port ? [set.primary, set.replica] : [set.replica, set.primary];
  receiver = await startReceiver('1508', '942953119');
  rig = await startRig({
    receiver,
    router: { ROUTER_CONCURRENCY: CONCURRENCY },
    redisEnv: { ...set.env, REDIS_MIN_REPLICAS_ACK: String(minReplicasAck), REDIS_ACK_TIMEOUT_MS: '500' },
  });
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  let killAt: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => (killAt = resolve));
  const sending = sendAll(rig.gateway.url, rig.token, messages, {
    concurrency: CONCURRENCY,
    timeoutMs: 5000,
    // Well past a failover's few seconds; a gateway still answering 503 then is a finding, said in `unexpected`.
    deadlineMs: 75000,
    onAnswer: (done) => {
      if (done >= N * 0.35) killAt?.();
    },
  });
  const sendingFrom = Date.now();
  const setupMs = sendingFrom - began;
  await reached;
  const at = `after ${Math.round(N * 0.35)} answers, ${receiver.counts.size} delivered`;
  await primary.kill();
  const killed = Date.now();
  await until('the sentinels to promote the replica', 30000, async () => (await set.primaryPort()) === replica.port);
  const failoverMs = Date.now() - killed;
  // As an orchestrator does (deploy/k8s asks the sentinels first): it rejoins as the new primary's
  // replica. Started as a primary it would wait for the sentinels to convert it, and empty, before the
  // failover, it would be the primary the replica copies.
  await primary.start(['--replicaof', '127.0.0.1', String(replica.port)]);
  const sent = await sending;
  const sentMs = Date.now() - sendingFrom;
  if (sent.unexpected.some((u) => u.status === 'gave up')) {
    process.stdout.write(
      `failover: the gateway still refused at the deadline; ${await replicationOf(primary.port, replica.port)}\n`
    );
  }
  const records = await settled(rig, ids, 90000);
  const timing = `set-up ${setupMs} ms, sending ${sentMs} ms, settled ${Date.now() - sendingFrom - sentMs} ms later`;
  return { sent, records, ids, at: `${at}; replica promoted after ${failoverMs} ms; ${timing}` };
}

test(`REDIS_MIN_REPLICAS_ACK=1: the primary SIGKILLed with ${N} meldeplikt in flight; every 202 is acknowledged, none lost`, async () => {
  const { sent, records, ids, at } = await failoverRun(1);
  expect(sent.unexpected).toEqual([]);
  expect(sent.firstTry200).toBe(0);
  expect(sent.accepted + sent.acceptedEarlier).toBe(N);
  expect(sent.retries).toBeGreaterThan(0); // the failover was felt: 503s (no primary, or no replica yet) or no answer
  // Neither service died with the primary, and both are ready on the new one.
  expect(rig!.gateway.child.exitCode).toBeNull();
  expect(rig!.router?.child.exitCode).toBeNull();
  expect((await fetch(`${rig!.gateway.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${rig!.router!.url}/readyz`)).status).toBe(200);
  const lost = ids.filter((_, i) => !records[i]);
  expect(lost).toEqual([]);
  expect(statesOf(records as MessageRecord[])).toEqual({ acknowledged: N });
  const summary = receiverSummary(receiver!, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  // Repeats only from the crash window: a delivery whose outcome the replica had not yet received when
  // the primary died is made again, at most what the router had in flight (and its outcomes in transit).
  expect(summary.duplicates).toBeLessThanOrEqual(2 * CONCURRENCY);
  process.stdout.write(
    `Sentinel failover, REDIS_MIN_REPLICAS_ACK=1 (primary SIGKILLed ${at}): ` +
      `sent ${N}, accepted ${sent.accepted} + ${sent.acceptedEarlier} found accepted on retry, ` +
      `${sent.retries} retries (${JSON.stringify(sent.statuses)}); acknowledged ${records.length}, lost 0; ` +
      `recipient ${summary.distinct} distinct ids in ${summary.arrivals} arrivals, ${summary.duplicates} duplicates\n`
  );
}, 240000);

test(`REDIS_MIN_REPLICAS_ACK=0: the same failover may lose messages that got a 202; what is not lost is acknowledged`, async () => {
  const { sent, records, ids, at } = await failoverRun(0);
  expect(sent.unexpected).toEqual([]);
  expect(sent.accepted + sent.acceptedEarlier).toBe(N);
  // What the replica had when it was promoted is delivered and acknowledged; the rest is gone without a trace.
  const kept = records.filter((r): r is MessageRecord => !!r);
  expect(statesOf(kept)).toEqual({ acknowledged: kept.length });
  const lost = ids.filter((_, i) => !records[i]);
  const summary = receiverSummary(receiver!, ids);
  expect(summary.strangers).toEqual([]);
  // At most what was written in the replication lag before the kill: far fewer than were in flight overall.
  expect(lost.length).toBeLessThan(N * 0.2);
  // What it saw: at 0 losses are allowed, and the runs here lost none. On one machine the replica is
  // microseconds behind, so few writes are ever in the window; across a network the window is the
  // replication lag, and a replica that falls behind (a busy node, a slow link) widens it to seconds.
  process.stdout.write(
    `Sentinel failover, REDIS_MIN_REPLICAS_ACK=0 (primary SIGKILLed ${at}): ` +
      `sent ${N}, all answered 202 or 200; ${lost.length} of them lost (never delivered, no record left), ${kept.length} acknowledged; ` +
      `recipient ${summary.distinct} distinct ids, ${summary.duplicates} duplicates\n`
  );
}, 240000);
